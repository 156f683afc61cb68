import Foundation

/// One section of the reviewer's page: a paper artefact, the command that makes its data,
/// and where its pictures are.
public struct ReviewArtefact: Sendable {
    /// As in the claims file's `artefact` column.
    public var name: String
    public var title: String
    /// `make` target that produces its results.
    public var target: String
    /// Picture file names (a trailing `*` matches any suffix) ...
    public var pictures: [String]
    /// ... looked for in this folder under the results folder, for a budget.
    public var pictureFolder: @Sendable (String) -> String

    static let fig4Folder: @Sendable (String) -> String = { $0 == "quick" ? "figures/quick" : "figures" }
    static let multigoalFolder: @Sendable (String) -> String = { "figures/multigoal/" + ($0.isEmpty ? "quick" : $0) }

    /// Every artefact of the paper, in the paper's order.
    public static let all: [ReviewArtefact] = [
        .init(name: "Abstract", title: "The abstract's claims", target: "fig4, make multigoal and make mujoco SEEDS=5", pictures: [], pictureFolder: { _ in "" }),
        .init(name: "Fig 4a", title: "Fig 4a: entropy of four samplers against the known truth", target: "fig4",
              pictures: ["fig4a-paper.png", "fig4a-paper-steps.png", "fig4a-authors-code.png", "fig4a-authors-code-steps.png"], pictureFolder: fig4Folder),
        .init(name: "Fig 4b", title: "Fig 4b: the kernel-variance sweep", target: "fig4", pictures: ["fig4b-paper.png"], pictureFolder: fig4Folder),
        .init(name: "Fig 9", title: "Fig 9: particles of the kernel-variance sweep", target: "fig4", pictures: ["fig9-paper.png"], pictureFolder: fig4Folder),
        .init(name: "Fig 4c", title: "Fig 4c: mixtures with M components", target: "fig4", pictures: ["fig4c.png"], pictureFolder: fig4Folder),
        .init(name: "Fig 10", title: "Fig 10: steps and particles; Gaussians of growing variance", target: "fig4",
              pictures: ["fig10a.png", "fig10b.png"], pictureFolder: fig4Folder),
        .init(name: "Fig 6", title: "Fig 6: multigoal trajectories, agents x alpha (and the learning curves)", target: "multigoal", pictures: ["curves.png", "fig6-*"], pictureFolder: multigoalFolder),
        .init(name: "Fig 7", title: "Fig 7: robustness to an obstacle placed at test time", target: "obstacle", pictures: ["fig7-*"], pictureFolder: multigoalFolder),
        .init(name: "Fig 11", title: "Fig 11: the learned initial distribution q0 during training", target: "multigoal", pictures: ["fig11.png"], pictureFolder: multigoalFolder),
        .init(name: "Fig 12", title: "Fig 12: distribution of reached goals", target: "multigoal", pictures: ["fig12-*"], pictureFolder: multigoalFolder),
        .init(name: "Fig 13", title: "Fig 13: entropy heatmap", target: "multigoal", pictures: ["fig13.png"], pictureFolder: multigoalFolder),
        .init(name: "Fig 14", title: "Fig 14: Q landscapes and entropy at the critical states", target: "multigoal", pictures: ["fig14-*"], pictureFolder: multigoalFolder),
        .init(name: "Fig 15", title: "Fig 15: smoothness of the Q landscape (M1, M2)", target: "multigoal", pictures: ["fig15.png"], pictureFolder: multigoalFolder),
        .init(name: "Fig 16", title: "Fig 16: reached goals after hitting the obstacle", target: "obstacle", pictures: ["fig16-*"], pictureFolder: multigoalFolder),
        .init(name: "Fig 17", title: "Fig 17: amortized S2AC(phi,theta,psi)", target: "multigoal", pictures: ["fig17.png"], pictureFolder: multigoalFolder),
        .init(name: "Fig 8a-e", title: "Fig 8a-e: MuJoCo learning curves", target: "mujoco SEEDS=5", pictures: ["*.png"], pictureFolder: { _ in "figures/mujoco" }),
        .init(name: "Fig 8f-j", title: "Fig 8f-j: rliable statistics", target: "rliable (after make mujoco)", pictures: ["rliable_*"], pictureFolder: { _ in "rliable" }),
        .init(name: "Table 1", title: "Table 1: action-selection run time", target: "table1", pictures: ["table1.png"],
              pictureFolder: { _ in "figures/table1" }),
    ]

    /// HTML id of the section.
    public var anchor: String {
        name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
    }
}

/// The reviewer's page: every claim beside our number, per artefact, with a summary.
public struct ReviewPage {
    public struct Section {
        public var artefact: ReviewArtefact
        public var results: [ClaimResult]
        /// Picture paths relative to the results folder.
        public var pictures: [String]
        /// Source indices behind the section's verdicts.
        public var sources: [Int]
        /// A short explanation where the evidence says why a claim differs, as (heading, text).
        public var why: (String, String)?
        /// The largest budget behind the section's verdicts (its pictures are that budget's).
        public var budget: String
        /// Every budget behind them, largest first.
        public var budgets: [String]
        public var hasData: Bool { !sources.isEmpty || !pictures.isEmpty }
    }

    public var sections: [Section]
    public var data: ResultData
    public var counts: [Verdict: Int]
    public var claimsFile: String

    public init(claims: [PaperClaim], data: ResultData, resultsFolder: String, claimsFile: String) {
        self.data = data
        self.claimsFile = claimsFile
        let evaluator = ClaimEvaluator(data: data)
        let results = claims.map(evaluator.evaluate)
        var counts: [Verdict: Int] = [:]
        for r in results { counts[r.verdict, default: 0] += 1 }
        self.counts = counts
        let known = Set(ReviewArtefact.all.map(\.name))
        var artefacts = ReviewArtefact.all
        // An artefact the registry does not know still gets a section.
        for name in claims.map(\.artefact) where !known.contains(name) && !artefacts.contains(where: { $0.name == name }) {
            artefacts.append(ReviewArtefact(name: name, title: name, target: "report", pictures: [], pictureFolder: { _ in "" }))
        }
        sections = artefacts.map { a in
            let rs = results.filter { $0.claim.artefact == a.name }
            let budgets = Set(rs.map(\.budget).filter { !$0.isEmpty }).sorted { ResultData.budgetRank($0) > ResultData.budgetRank($1) || (ResultData.budgetRank($0) == ResultData.budgetRank($1) && $0 < $1) }
            let budget = budgets.first ?? ""
            let sources = Array(rs.reduce(into: Set<Int>()) { $0.formUnion($1.sources) }).sorted()
            let pictures = ReviewPage.findPictures(a, budget: budget, resultsFolder: resultsFolder)
            var s = Section(artefact: a, results: rs, pictures: pictures, sources: sources, why: nil, budget: budget, budgets: budgets)
            s.why = ReviewPage.why(s, data: data)
            return s
        }
    }

    static func findPictures(_ a: ReviewArtefact, budget: String, resultsFolder: String) -> [String] {
        let folder = a.pictureFolder(budget)
        guard !folder.isEmpty, !a.pictures.isEmpty else { return [] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: resultsFolder + "/" + folder)) ?? []).sorted()
        var out: [String] = []
        for pattern in a.pictures {
            let matches = pattern.hasSuffix("*")
                ? names.filter { $0.hasPrefix(String(pattern.dropLast())) && $0.hasSuffix(".png") && !$0.hasPrefix(".") }
                : names.filter { $0 == pattern }
            for m in matches where !out.contains(folder + "/" + m) { out.append(folder + "/" + m) }
        }
        return out
    }

    /// Where the evidence explains a difference. Fig 4a: the estimators of the same SVGD run,
    /// exact log-determinant, trace with the self term, closed form without it, and the truth.
    static func why(_ s: Section, data: ResultData) -> (String, String)? {
        var parts: [String] = []
        if s.artefact.name == "Fig 4a" {
            let (rows, _) = data.rows("fig4a")
            for config in ["paper", "authors-code"] {
                guard let row = rows.first(where: { $0["sampler"] == "svgd" && $0["config"] == config && $0["start"] == "N(0,6I)" }),
                      let truth = row.number("ground_truth") else { continue }
                let f = ClaimEvaluator.fmt
                parts.append("SVGD, \(config) settings (m \(row["m"] ?? "?"), L \(row["L"] ?? "?"), start N(0,6I)); truth \(f(truth)): "
                             + "exact log-determinant (Thm 3.1, no approximation) \(f(row.number("estimate_logdet"))), "
                             + "trace of Eq. 10 with the j = i self term \(f(row.number("estimate_trace"))), "
                             + "Thm 3.3 closed form without the self term, 1/m as printed \(f(row.number("estimate_closed_form_paper"))), "
                             + "1/(m-1) as the authors' code \(f(row.number("estimate_closed_form"))).")
            }
            if !parts.isEmpty {
                parts.insert("Thm 3.3 (Appendix H.1) averages the Stein direction over the particles other than a_i, so the trace it keeps "
                             + "leaves out the self term j = i: (ε/m) Tr ∇² log p(a_i) per step, the curvature of the target at the particle, which Eq. 10's trace keeps. "
                             + "The gap between the exact log-determinant and the trace is Eq. 10's first-order approximation; "
                             + "the gap between the trace and the closed form is the self term.", at: 0)
            }
        }
        guard !parts.isEmpty else { return nil }
        return ("Why the estimators differ", parts.joined(separator: " "))
    }

    /// The budget line of a section: below the paper's budget, say what it can check.
    static func budgetNote(_ budgets: [String]) -> String? {
        guard !budgets.isEmpty else { return nil }
        let reduced = budgets.contains { ResultData.budgetRank($0) < 3 }
        return (budgets.count == 1 ? "Budget: " : "Budgets: ") + budgets.joined(separator: ", ")
            + (reduced ? "; a reduced run checks trends, not the paper's numbers." : ".")
    }

    // MARK: - rendering

    /// The source files behind a section, grouped by kind, budget, commit and host.
    func sourceGroups(_ indices: [Int]) -> [(kind: String, budget: String, files: Int, seeds: String, steps: String, commit: String, host: String, example: String)] {
        var order: [String] = []
        var groups: [String: [ResultData.Source]] = [:]
        for i in indices {
            let s = data.sources[i]
            let key = [s.provenance.kind, s.budget, s.provenance.gitCommit + (s.provenance.gitDirty ? "+dirty" : ""), s.provenance.host].joined(separator: "\u{1}")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(s)
        }
        return order.map { key in
            let g = groups[key]!
            let seeds = g.reduce(into: Set<Int>()) { $0.formUnion($1.seeds) }.sorted().map(String.init).joined(separator: ",")
            let steps = Set(g.compactMap(\.steps)).sorted().map(String.init).joined(separator: ",")
            let p = g[0].provenance
            return (p.kind, g[0].budget, g.count, seeds, steps, String(p.gitCommit.prefix(10)) + (p.gitDirty ? " (dirty)" : ""), p.host, g[0].file)
        }
    }

    /// Commits behind a section, when they are more than one (runs merged from several trees).
    func commitNote(_ indices: [Int]) -> String? {
        let commits = Set(indices.map { data.sources[$0].provenance.gitCommit })
        guard commits.count > 1 else { return nil }
        return "These results come from \(commits.count) different commits (\(commits.sorted().map { String($0.prefix(10)) }.joined(separator: ", "))); they are pooled."
    }

    /// Run files that should share a configuration but do not. Files of one kind, budget and
    /// commit that name the same agent, environment and alpha (every configuration entry whose
    /// last name is `agent`, `env`, `evaluationEnv` or `alpha`) are seeds of one experiment and
    /// must agree on every entry but their seeds; each group that does not is named with the
    /// entries that differ (a run made with `--set`, say, pooled with the campaign's own).
    func configurationNotes(_ indices: [Int]) -> [String] {
        func last(_ path: String) -> String {
            String(path.split(separator: ".").last ?? "").replacingOccurrences(of: #"\[\d+\]$"#, with: "", options: .regularExpression)
        }
        let axes: Set<String> = ["agent", "env", "evaluationEnv", "alpha"]
        var order: [String] = [], groups: [String: [(file: String, config: [String: String])]] = [:], names: [String: String] = [:]
        for i in indices {
            let s = data.sources[i], p = s.provenance
            guard let flat = flattenedConfiguration(p.configJSON) else { continue }
            let identity = flat.filter { axes.contains(last($0.key)) }.map { "\(last($0.key)) \($0.value)" }
            let named = Array(Set(identity)).sorted().joined(separator: ", ")
            let key = [p.kind, s.budget, p.gitCommit, named].joined(separator: "\u{1}")
            if groups[key] == nil { order.append(key); names[key] = "\(p.kind) (\(s.budget.isEmpty ? "no budget" : s.budget), commit \(p.gitCommit.prefix(10)))" + (named.isEmpty ? "" : ", \(named)") }
            groups[key, default: []].append((s.file, flat.filter { last($0.key) != "seed" }))
        }
        return order.compactMap { key in
            let files = groups[key]!
            guard files.count > 1 else { return nil }
            let paths = Set(files.flatMap { $0.config.keys }).sorted()
            let differing = paths.compactMap { path -> String? in
                var values: [String] = []
                for f in files { let v = f.config[path] ?? "absent"; if !values.contains(v) { values.append(v) } }
                return values.count > 1 ? "\(path) (\(values.prefix(3).joined(separator: " | ")))" : nil
            }
            guard !differing.isEmpty else { return nil }
            return "Configurations differ within one experiment: \(files.count) files of \(names[key]!) disagree on "
                + differing.prefix(4).joined(separator: "; ") + (differing.count > 4 ? " and \(differing.count - 4) more" : "")
                + "; e.g. \(files[0].file), \(files[1].file). Their numbers are pooled above."
        }
    }

    var total: Int { counts.values.reduce(0, +) }

    /// Budgets used, by family of artefacts.
    var budgetLine: String {
        var seen: [String] = []
        for s in sections where !s.budget.isEmpty && s.artefact.name != "Abstract" {
            let family = s.artefact.target.hasPrefix("fig4") ? "Fig 4, 9, 10" : s.artefact.target.hasPrefix("multigoal") || s.artefact.target.hasPrefix("obstacle") ? "multigoal (Fig 6, 7, 11-17)" : s.artefact.name
            let item = "\(family): \(s.budget)"
            if !seen.contains(item) { seen.append(item) }
        }
        return seen.isEmpty ? "no results yet" : seen.joined(separator: "; ")
    }

    public var summaryText: String {
        "\(total) claims: \(counts[.agrees] ?? 0) agree, \(counts[.differs] ?? 0) differ, \(counts[.partly] ?? 0) partly agree, \(counts[.notRun] ?? 0) not run yet."
    }

    static let budgetWarning = "Budgets below the paper's (quick, smoke, reduced: fewer steps than the preset's) check trends, not the paper's numbers: a verdict there says whether the effect shows at that budget."

    static func html(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func md(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// The page as HTML; picture paths are relative to `pageFolder`'s parent (the results folder).
    public func renderHTML(pictureBase: String) -> String {
        let h = Self.html
        var o = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>S2AC reproduction: the paper's claims beside our numbers</title>
        <style>
        body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}
        table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;font-size:90%}
        th{background:#f0f0f0;text-align:left}.agrees{background:#d9f2d9}.differs{background:#f8d4d4}.partly{background:#fcefc7}
        .not-run{background:#eee;color:#666}.rule{font-family:monospace;font-size:80%;color:#555}img{max-width:100%;border:1px solid #ddd;margin:4px 0}
        .notrun{color:#666;font-style:italic}.why{background:#f6f6ff;border-left:4px solid #88c;padding:.5em}
        </style></head><body>
        <h1>S2AC reproduction: the paper's claims beside our numbers</h1>
        <section id="summary"><h2>Summary</h2>
        <p><b>\(h(summaryText))</b></p>
        <table><tr><th>agrees</th><th>differs</th><th>partly</th><th>not run</th></tr>
        <tr><td class="agrees">\(counts[.agrees] ?? 0)</td><td class="differs">\(counts[.differs] ?? 0)</td><td class="partly">\(counts[.partly] ?? 0)</td><td class="not-run">\(counts[.notRun] ?? 0)</td></tr></table>
        <p>Budgets: \(h(budgetLine)). \(h(Self.budgetWarning))</p>
        <p>Each verdict comes from the rule in <code>\(h(claimsFile))</code>, written before any result was read and evaluated on the result files named in each section; no number on this page is typed by hand.</p>

        """
        if !data.problems.isEmpty {
            o += "<p><b>Files not read</b> (the rest are reported):</p><ul>" + data.problems.map { "<li>\(h($0))</li>" }.joined() + "</ul>\n"
        }
        o += "<ul>" + sections.map { s in
            let v = s.results.map(\.verdict)
            let tally = Verdict.allCases.compactMap { k in let n = v.filter { $0 == k }.count; return n > 0 ? "\(n) \(k.counted(n))" : nil }.joined(separator: ", ")
            return "<li><a href=\"#\(s.artefact.anchor)\">\(h(s.artefact.title))</a>" + (tally.isEmpty ? "" : " (\(tally))") + "</li>"
        }.joined() + "</ul></section>\n"
        for s in sections {
            o += "<section id=\"\(s.artefact.anchor)\" class=\"artefact\"><h2>\(h(s.artefact.title))</h2>\n"
            if !s.hasData { o += "<p class=\"notrun\">not run yet: make \(h(s.artefact.target))</p>\n" }
            if let note = Self.budgetNote(s.budgets) { o += "<p><b>\(h(note))</b></p>\n" }
            if !s.results.isEmpty {
                o += "<table><tr><th>claim</th><th>paper</th><th>ours</th><th>verdict</th></tr>\n"
                for r in s.results {
                    let cls = r.verdict == .notRun ? "not-run" : r.verdict.rawValue
                    let ours = r.verdict == .notRun && r.sources.isEmpty ? "not run yet: make \(r.claim.rule.target)" : r.ours
                    o += "<tr id=\"claim-\(h(r.claim.id))\"><td><b>\(h(r.claim.id))</b>: \(h(r.claim.claim))<br><span class=\"rule\">\(h(r.claim.location)) · rule: \(h(r.claim.rule.text))</span></td>"
                        + "<td>\(h(r.claim.paper))</td><td>\(h(ours))</td><td class=\"\(cls)\">\(h(r.verdict.rawValue))</td></tr>\n"
                }
                o += "</table>\n"
            }
            if let (head, text) = s.why { o += "<div class=\"why\"><b>\(h(head))</b>: \(h(text))</div>\n" }
            for p in s.pictures { o += "<p><img src=\"\(h(pictureBase + p))\" alt=\"\(h(p))\"></p>\n" }
            if !s.sources.isEmpty {
                o += "<p>From the run files:</p><table><tr><th>kind</th><th>budget</th><th>files</th><th>seeds</th><th>steps</th><th>commit</th><th>host</th><th>e.g.</th></tr>\n"
                for g in sourceGroups(s.sources) {
                    o += "<tr><td>\(h(g.kind))</td><td>\(h(g.budget))</td><td>\(g.files)</td><td>\(h(g.seeds))</td><td>\(h(g.steps))</td><td>\(h(g.commit))</td><td>\(h(g.host))</td><td>\(h(g.example))</td></tr>\n"
                }
                o += "</table>\n"
                if let note = commitNote(s.sources) { o += "<p>\(h(note))</p>\n" }
                for note in configurationNotes(s.sources) { o += "<p class=\"differs\">\(h(note))</p>\n" }
            }
            o += "</section>\n"
        }
        o += "</body></html>\n"
        return o
    }

    public func renderMarkdown(pictureBase: String) -> String {
        let m = Self.md
        var o = "# S2AC reproduction: the paper's claims beside our numbers\n\n## Summary\n\n**\(summaryText)**\n\n"
        o += "Budgets: \(budgetLine). \(Self.budgetWarning)\n\n"
        o += "Each verdict comes from the rule in `\(claimsFile)`, written before any result was read and evaluated on the result files named in each section.\n\n"
        if !data.problems.isEmpty { o += "Files not read (the rest are reported):\n\n" + data.problems.map { "- \($0)\n" }.joined() + "\n" }
        for s in sections {
            o += "## \(s.artefact.title)\n\n"
            if !s.hasData { o += "_not run yet: make \(s.artefact.target)_\n\n" }
            if let note = Self.budgetNote(s.budgets) { o += "**\(note)**\n\n" }
            if !s.results.isEmpty {
                o += "| claim | paper | ours | verdict |\n|---|---|---|---|\n"
                for r in s.results {
                    let ours = r.verdict == .notRun && r.sources.isEmpty ? "not run yet: make \(r.claim.rule.target)" : r.ours
                    o += "| **\(m(r.claim.id))**: \(m(r.claim.claim)) (\(m(r.claim.location)); rule `\(m(r.claim.rule.text))`) | \(m(r.claim.paper)) | \(m(ours)) | \(r.verdict.rawValue) |\n"
                }
                o += "\n"
            }
            if let (head, text) = s.why { o += "**\(head)**: \(text)\n\n" }
            for p in s.pictures { o += "![\(p)](\(pictureBase + p))\n\n" }
            if !s.sources.isEmpty {
                o += "From the run files:\n\n| kind | budget | files | seeds | steps | commit | host | e.g. |\n|---|---|---|---|---|---|---|---|\n"
                for g in sourceGroups(s.sources) { o += "| \(g.kind) | \(g.budget) | \(g.files) | \(g.seeds) | \(g.steps) | \(g.commit) | \(m(g.host)) | \(m(g.example)) |\n" }
                o += "\n"
                if let note = commitNote(s.sources) { o += note + "\n\n" }
                for note in configurationNotes(s.sources) { o += "**\(m(note))**\n\n" }
            }
        }
        return o
    }

    /// Writes `index.html` and `REPORT.md` to `pageFolder` atomically; pictures are linked
    /// relative to it (`pageFolder` must be a direct subfolder of the results folder).
    public func write(to pageFolder: String) throws {
        try writeFileAtomically(Data(renderHTML(pictureBase: "../").utf8), to: pageFolder + "/index.html")
        try writeFileAtomically(Data(renderMarkdown(pictureBase: "../").utf8), to: pageFolder + "/REPORT.md")
    }
}
