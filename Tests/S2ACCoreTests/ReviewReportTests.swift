import Foundation
import Testing
@testable import S2ACCore

/// The paper's claims file, the rules' verdicts, and the reviewer's page `report` writes.
@Suite struct ReviewReportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let claimsPath = repository + "/scripts/reference/paper_claims.csv"

    // MARK: the claims file

    @Test func claimsFileCoversEveryArtefactWithRulesThatParse() throws {
        let claims = try PaperClaim.load(path: Self.claimsPath)
        let artefacts = Set(claims.map(\.artefact))
        for required in ["Abstract", "Fig 4a", "Fig 4b", "Fig 4c", "Fig 9", "Fig 10", "Fig 6", "Fig 7", "Fig 11", "Fig 12", "Fig 13",
                         "Fig 14", "Fig 15", "Fig 16", "Fig 17", "Fig 8a-e", "Fig 8f-j", "Table 1"] {
            #expect(artefacts.contains(required), "no claim for \(required)")
        }
        // Every artefact of the file has a section of its own on the page.
        let sections = Set(ReviewArtefact.all.map(\.name))
        #expect(artefacts.isSubset(of: sections), "\(artefacts.subtracting(sections))")
        // A claim that compares with the paper's value gives one.
        for c in claims where c.rule.parameters.values.contains("paper") { #expect(c.paperNumber != nil, "\(c.id)") }
    }

    @Test func ruleParserKeepsParenthesesAndTellsFiltersFromParameters() throws {
        let r = try ClaimRule(parsing: "near table=fig4a; start:N(0,6I); sampler:sgld|dld; value=x; ref=paper; tol=0.1")
        #expect(r.check == "near" && r.parameters["table"] == "fig4a" && r.parameters["tol"] == "0.1")
        #expect(r.filters.count == 2 && r.filters[0].column == "start" && r.filters[0].values == ["N(0,6I)"])
        #expect(r.filters[1].values == ["sgld", "dld"])
        let chain = try ClaimRule(parsing: "order agents=a; chain=(4,0)<(1,0)|(-1,0)<(0,0)")
        #expect(chain.list("chain") == ["(4,0)<(1,0)", "(-1,0)<(0,0)"])
        #expect(throws: InputError.self) { try ClaimRule(parsing: "guess table=fig4a; value=x") }
        #expect(throws: InputError.self) { try ClaimRule(parsing: "near table=fig4a; nonsense") }
        #expect(throws: InputError.self) { try PaperClaim.parse("id,artefact,claim\nx,Fig 4a,y\n", source: "t") }
        let dup = "id,artefact,claim,paper,where,rule\na,Fig 4a,c,,s,near table=t; value=v; ref=r; tol=1\na,Fig 4a,c,,s,near table=t; value=v; ref=r; tol=1\n"
        #expect(throws: InputError.self) { try PaperClaim.parse(dup, source: "t") }
    }

    // MARK: verdicts on hand-made rows

    static func claim(_ rule: String, paper: String = "") throws -> PaperClaim {
        PaperClaim(id: "t", artefact: "Fig 4a", claim: "", paper: paper, location: "", rule: try ClaimRule(parsing: rule))
    }

    static func data(_ tables: [String: [[String: String]]]) -> ResultData {
        var d = ResultData()
        for (name, rows) in tables {
            d.tables[name] = rows.enumerated().map { ResultData.Row(values: $0.element, source: $0.offset) }
        }
        return d
    }

    @Test func tableChecksDecideAgreesDiffersPartlyAndNotRun() throws {
        // The full-budget rows decide; the quick rows (far off) are ignored.
        let d = Self.data(["fig4a": [
            ["sampler": "svgd", "budget": "full", "est": "3.45", "truth": "3.41"],
            ["sampler": "sgld", "budget": "full", "est": "1.0", "truth": "3.41"],
            ["sampler": "dld", "budget": "full", "est": "3.38", "truth": "3.41"],
            ["sampler": "svgd", "budget": "quick", "est": "9", "truth": "3.41"],
        ]])
        let e = ClaimEvaluator(data: d)
        let near = e.evaluate(try Self.claim("near table=fig4a; sampler:svgd; value=est; ref=truth; tol=0.1"))
        #expect(near.verdict == .agrees && near.budget == "full" && near.ours.contains("3.450"), "\(near.ours)")
        #expect(e.evaluate(try Self.claim("near table=fig4a; sampler:svgd; value=est; ref=truth; tol=0.01")).verdict == .differs)
        #expect(e.evaluate(try Self.claim("far table=fig4a; sampler:sgld|dld; value=est; ref=truth; tol=0.1")).verdict == .partly)
        #expect(e.evaluate(try Self.claim("near table=fig4a; sampler:hmc; value=est; ref=truth; tol=0.1")).verdict == .notRun)
        #expect(e.evaluate(try Self.claim("near table=fig4b; value=est; ref=truth; tol=0.1")).verdict == .notRun)
        #expect(e.evaluate(try Self.claim("near table=fig4a; sampler:svgd; value=truth; ref=paper; tol=0.005", paper: "3.41")).verdict == .agrees)
        let inc = Self.data(["fig4c": [
            ["m": "10", "components": "1", "est": "1", "budget": "full"], ["m": "10", "components": "2", "est": "2", "budget": "full"],
            ["m": "10", "components": "2", "est": "4", "budget": "full"], ["m": "10", "components": "4", "est": "2.5", "budget": "full"],
            ["m": "20", "components": "1", "est": "1", "budget": "full"], ["m": "20", "components": "4", "est": "0.5", "budget": "full"],
        ]])
        // m 10: means 1, 3, 2.5 (not increasing); m 20: 1, 0.5 (not increasing) -> differs; m 10 without the last row: increasing.
        let r = ClaimEvaluator(data: inc).evaluate(try Self.claim("increasing table=fig4c; x=components; value=est; group=m"))
        #expect(r.verdict == .differs && r.ours.contains("components 1, 2, 4: 1, 3, 2.500"), "\(r.ours)")
        let argmin = Self.data(["fig4b": [
            ["bandwidth": "fixed(1.0)", "m": "10", "est": "3.0", "truth": "3.41"], ["bandwidth": "fixed(5.0)", "m": "10", "est": "3.5", "truth": "3.41"],
            ["bandwidth": "fixed(1.0)", "m": "20", "est": "3.4", "truth": "3.41"], ["bandwidth": "fixed(5.0)", "m": "20", "est": "3.0", "truth": "3.41"],
        ]])
        #expect(ClaimEvaluator(data: argmin).evaluate(try Self.claim(
            "argmin table=fig4b; value=est; ref=truth; group=m; key=bandwidth; in=fixed(5.0)")).verdict == .partly)
    }

    @Test func multigoalChecksPoolSeedsAndCompareAlphas() throws {
        func goals(_ agent: String, _ alpha: String, _ seed: String, _ shares: [Double]) -> [[String: String]] {
            zip(["G1", "G2", "G3", "none"], shares).map { ["preset": "smoke", "agent": agent, "alpha": alpha, "seed": seed, "goal": $0, "share": "\($1)"] }
        }
        // Agent a: G2 + G3 = (0.2 + 0.0)/2 = 0.1 at alpha 1 and (0.6 + 0.4)/2 = 0.5 at alpha 10.
        let d = Self.data(["multigoal_goals":
            goals("a", "1.0", "0", [0.5, 0.1, 0.1, 0.3]) + goals("a", "1.0", "1", [0.5, 0, 0, 0.5])
            + goals("a", "10.0", "0", [0.2, 0.3, 0.3, 0.2]) + goals("a", "10.0", "1", [0.4, 0.2, 0.2, 0.2])
            + goals("b", "1.0", "0", [1, 0, 0, 0]) + goals("b", "10.0", "0", [0, 0.5, 0.5, 0])])
        let e = ClaimEvaluator(data: d)
        let up = e.evaluate(try Self.claim("trend metric=left_share; agents=a; dir=up; span=ends"))
        #expect(up.verdict == .agrees && up.ours.contains("α 1: 0.100 → α 10: 0.500") && up.budget == "smoke", "\(up.ours)")
        #expect(e.evaluate(try Self.claim("trend metric=left_share; agents=a; dir=not_up; span=ends")).verdict == .differs)
        // Goals reached (pooled over seeds): a reaches all three at both alphas; b only G1 at alpha 1.
        #expect(e.evaluate(try Self.claim("each_alpha metric=goals_reached; agents=a; op=>=; value=3")).verdict == .agrees)
        #expect(e.evaluate(try Self.claim("each_alpha metric=goals_reached; agents=a|b; op=>=; value=3")).verdict == .partly)
        // b sends more to the left than a at the largest alpha (1.0 vs 0.5), not at the smallest (0 vs 0.1).
        #expect(e.evaluate(try Self.claim("versus metric=left_share; x=b; y=a; at=max; op=>")).verdict == .agrees)
        #expect(e.evaluate(try Self.claim("versus metric=left_share; x=b; y=a; at=each; op=>")).verdict == .partly)
        let missing = e.evaluate(try Self.claim("versus metric=left_share; x=b; y=c; at=each; op=>"))
        #expect(missing.verdict == .notRun && missing.ours.contains("no data"), "\(missing.ours)")
        #expect(e.evaluate(try Self.claim("pair metric=left_share; agents=a; a=20; b=10; op=<")).verdict == .notRun)
    }

    @Test func beatsCountsEnvironmentsOnSeedMeans() throws {
        var rows: [[String: String]] = []
        for (agent, env, values) in [("x", "E1", [10.0, 20]), ("y", "E1", [14.0, 14]), ("x", "E2", [1.0, 1]), ("y", "E2", [2.0, 0])] {
            for (seed, v) in values.enumerated() { rows.append(["agent": agent, "env": env, "seed": "\(seed)", "ret": "\(v)", "preset": "paper"]) }
        }
        let e = ClaimEvaluator(data: Self.data(["train_runs": rows]))
        // Means: E1 x 15 > y 14; E2 x 1 = y 1 (not better).
        let one = e.evaluate(try Self.claim("beats table=train_runs; x=x; y=y; value=ret; envs=E1|E2; need=1"))
        #expect(one.verdict == .agrees && one.ours.contains("better on 1 of 2"), "\(one.ours)")
        #expect(e.evaluate(try Self.claim("beats table=train_runs; x=x; y=y; value=ret; envs=E1|E2; need=2")).verdict == .differs)
        #expect(e.evaluate(try Self.claim("beats table=train_runs; x=x; y=y; value=ret; envs=E1|E3; need=1")).verdict == .notRun)
    }

    /// Tables without a budget column (rliable's) take their file's budget, which a file in a
    /// MuJoCo campaign's folder takes from the campaign: the largest budget's rows decide.
    @Test func tablesWithoutBudgetColumnTakeTheirFilesBudget() throws {
        #expect(ResultData.campaignBudget(relativePath: "mujoco/quick/rliable/rliable.h5") == "quick")
        #expect(ResultData.campaignBudget(relativePath: "mujoco/rliable.h5") == "")
        #expect(ResultData.campaignBudget(relativePath: "rliable/quick/rliable.h5") == "")
        var d = Self.data(["rliable_aggregate": [["metric": "iqm", "algorithm": "x", "estimate": "9"],
                                                 ["metric": "iqm", "algorithm": "x", "estimate": "1"],
                                                 ["metric": "iqm", "algorithm": "y", "estimate": "0.5"]]])
        func source(_ campaign: String) -> ResultData.Source {
            ResultData.Source(file: "mujoco/\(campaign)/rliable/rliable.h5", provenance: Provenance.current(kind: "rliable", configJSON: "{}", seed: nil),
                              budget: ResultData.campaignBudget(relativePath: "mujoco/\(campaign)/rliable/rliable.h5"), steps: nil, seeds: [])
        }
        d.sources = [source("smoke"), source("quick"), source("quick")]
        let (rows, budget) = d.rows("rliable_aggregate")
        #expect(budget == "quick" && rows.map { $0["estimate"] } == ["1", "0.5"])
        let claim = try Self.claim("best table=rliable_aggregate; metric:iqm; x=x; dir=max")
        let result = ClaimEvaluator(data: d).evaluate(claim)
        #expect(result.verdict == .agrees && result.budget == "quick", "\(result.ours)")
    }

    @Test func countedVerdictsAgreeInNumber() {
        #expect(Verdict.agrees.counted(1) == "agrees" && Verdict.agrees.counted(4) == "agree")
        #expect(Verdict.differs.counted(1) == "differs" && Verdict.differs.counted(2) == "differ")
        #expect(Verdict.partly.counted(3) == "partly" && Verdict.notRun.counted(2) == "not run")
    }

    @Test func runsFromSeveralMachinesArePooledAndDifferentCommitsNamed() throws {
        // Two machines ran the two seeds of one claim; the page pools them and, when their
        // commits differ, says so.
        var d = Self.data(["fig4c": [["m": "10", "components": "1", "est": "1", "budget": "full"],
                                     ["m": "10", "components": "2", "est": "2", "budget": "full"]]])
        func source(_ commit: String, _ host: String) -> ResultData.Source {
            var p = Provenance.current(kind: "fig4c", configJSON: "{}", seed: nil)
            p.gitCommit = commit; p.host = host
            return ResultData.Source(file: "fig4/\(host).h5", provenance: p, budget: "full", steps: nil, seeds: [])
        }
        d.sources = [source("aaaa", "laptop"), source("aaaa", "cluster")]
        let claim = PaperClaim(id: "t", artefact: "Fig 4c", claim: "grows", paper: "", location: "",
                               rule: try ClaimRule(parsing: "increasing table=fig4c; x=components; value=est; group=m"))
        let same = ReviewPage(claims: [claim], data: d, resultsFolder: makeTemporaryFolder("review-merge"), claimsFile: "c.csv")
        let html = same.renderHTML(pictureBase: "../")
        #expect(same.counts[.agrees] == 1 && html.contains("laptop") && html.contains("cluster") && !html.contains("different commits"))
        d.sources[1] = source("bbbb", "cluster")
        let mixed = ReviewPage(claims: [claim], data: d, resultsFolder: makeTemporaryFolder("review-merge"), claimsFile: "c.csv")
        #expect(mixed.renderMarkdown(pictureBase: "../").contains("2 different commits (aaaa, bbbb)"))
    }

    /// Seeds of one experiment pooled under one commit must share their configuration; the page
    /// names a group whose files differ (other agents' configurations may differ freely).
    @Test func filesOfOneExperimentWithDifferentConfigurationsAreNamed() throws {
        var d = Self.data(["fig4c": [["m": "10", "components": "1", "est": "1", "budget": "quick"],
                                     ["m": "10", "components": "2", "est": "2", "budget": "quick"]]])
        func source(_ agent: String, _ seed: Int, steps: Int) -> ResultData.Source {
            let json = #"{"agent":"\#(agent)","env":"Hopper-v4","seed":\#(seed),"schedule":{"totalSteps":\#(steps),"updateEvery":1}}"#
            var p = Provenance.current(kind: "train", configJSON: json, seed: seed)
            p.gitCommit = "cccc"
            return ResultData.Source(file: "runs/\(agent)_\(seed).h5", provenance: p, budget: "quick", steps: steps, seeds: [seed])
        }
        d.sources = [source("sac", 0, steps: 2000), source("sac", 1, steps: 2000), source("ppo", 0, steps: 4096)]
        let claim = PaperClaim(id: "t", artefact: "Fig 4c", claim: "grows", paper: "", location: "",
                               rule: try ClaimRule(parsing: "increasing table=fig4c; x=components; value=est; group=m"))
        let page = { ReviewPage(claims: [claim], data: d, resultsFolder: makeTemporaryFolder("review-config"), claimsFile: "c.csv") }
        #expect(page().configurationNotes([0, 1, 2]).isEmpty)
        d.sources.append(source("sac", 2, steps: 1000))
        let notes = page().configurationNotes([0, 1, 2, 3])
        #expect(notes.count == 1 && notes[0].contains("3 files of train") && notes[0].contains("agent sac")
                && notes[0].contains("schedule.totalSteps (2000 | 1000)") && !notes[0].contains("seed ("), "\(notes)")
    }

    // MARK: the page from real run files, in Chromium

    /// A 1 x 1 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")!

    @Test func reportWritesThePageFromRunFilesAndItLoadsInChromium() throws {
        let results = makeTemporaryFolder("review")
        let a = try runSuiteTool("entropy-eval", ["--experiment", "fig4a", "--config", "authors-code", "--out", results + "/fig4", "--no-exact-log-determinant"])
        #expect(a.code == 0, "\(a.err)")
        let m = try runSuiteTool("multigoal-modes", ["--preset", "smoke", "--agents", "sac", "--alphas", "1,10", "--seeds", "1", "--steps", "150",
                                                     "--out", results + "/multigoal/smoke", "--jobs", "2", "--quiet"])
        #expect(m.code == 0, "\(m.err)")
        try FileManager.default.createDirectory(atPath: results + "/figures", withIntermediateDirectories: true)
        try Self.png.write(to: URL(fileURLWithPath: results + "/figures/fig4a-authors-code.png"))
        // The multigoal pictures as `make multigoal` draws them, under the names the page looks
        // for, beside the checkpoint of a run still under way (which the pictures pass over).
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path
        try FileManager.default.copyItem(atPath: fixtures + "/old_checkpoints/sac.ckpt.h5",
                                         toPath: results + "/multigoal/smoke/runs/sac_alpha5.0_seed0.ckpt.h5")
        let plots = try runProgram("/usr/bin/env", ["python3", Self.repository + "/scripts/plots/multigoal.py", "--runs", results + "/multigoal/smoke",
                                                    "--figures", results + "/figures/multigoal/smoke",
                                                    "--train", builtProductsFolder.appendingPathComponent("train").path])
        #expect(plots.code == 0, "\(plots.err)")
        try FileManager.default.createDirectory(atPath: results + "/other", withIntermediateDirectories: true)
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: results + "/other/broken.h5"))

        let r = try runSuiteTool("report", ["--results", results, "--claims", Self.claimsPath])
        // The corrupt file is named and makes the exit code 1; everything else is reported.
        #expect(r.code == 1 && r.err.contains("other/broken.h5"), "\(r.err)")
        let md = try String(contentsOfFile: results + "/report/REPORT.md", encoding: .utf8)
        let html = try String(contentsOfFile: results + "/report/index.html", encoding: .utf8)
        #expect(md.contains("other/broken.h5") && html.contains("other/broken.h5"))
        #expect(!html.contains("<script"))

        // The summary is the verdicts of the same rules on the same files, in process.
        let claims = try PaperClaim.load(path: Self.claimsPath)
        let page = ReviewPage(claims: claims, data: try ResultData.load(resultsFolder: results), resultsFolder: results, claimsFile: Self.claimsPath)
        #expect(r.out.contains(page.summaryText) && md.contains(page.summaryText), "\(r.out)")
        #expect(page.counts.values.reduce(0, +) == claims.count)
        func section(_ name: String) -> ReviewPage.Section { page.sections.first { $0.artefact.name == name }! }
        // Fig 4a: the notebook-settings claim has a verdict from the run file; the Table 2 ones are not run.
        let fig4a = section("Fig 4a")
        #expect(fig4a.results.first { $0.claim.id == "fig4a-svgd-code" }!.verdict != .notRun)
        #expect(fig4a.results.first { $0.claim.id == "fig4a-svgd" }!.verdict == .notRun)
        #expect(fig4a.pictures == ["figures/fig4a-authors-code.png"] && fig4a.why != nil)
        // Multigoal: SAC's claims get verdicts; the obstacle ones were not run.
        #expect(section("Fig 6").results.first { $0.claim.id == "fig6-sac-modes" }!.verdict != .notRun)
        #expect(section("Fig 16").results.allSatisfy { $0.verdict == .notRun } && section("Fig 16").budgets.isEmpty && !section("Fig 16").hasData)
        #expect(section("Fig 12").budget == "smoke")
        let base = "figures/multigoal/smoke/"
        #expect(section("Fig 6").pictures == [base + "curves.png"] + ["max", "random", "softmax"].map { base + "fig6-\($0).png" },
                "\(section("Fig 6").pictures)")
        #expect(section("Fig 12").pictures == ["max", "random", "softmax"].map { base + "fig12-\($0).png" }, "\(section("Fig 12").pictures)")
        #expect(md.contains("not run yet: make table1") && md.contains("not run yet: make mujoco SEEDS=5") && md.contains("not run yet: make obstacle"))

        // Chromium, from the file system: every picture loads, every section is there.
        let ids = ["summary"] + ReviewArtefact.all.map(\.anchor)
        let script = Self.repository + "/scripts/report/check_page.py"
        let shot = results + "/shot.png"
        let ok = try runProgram("/usr/bin/env", ["python3", script, results + "/report/index.html", "--sections", ids.joined(separator: ","),
                                                 "--screenshot", shot])
        let images = page.sections.map(\.pictures.count).reduce(0, +)
        #expect(images > 1 + 6 && ok.code == 0 && ok.out.contains("\"broken\": []") && ok.out.contains("\"images\": \(images)"),
                "\(images) \(ok.out) \(ok.err)")
        #expect(FileManager.default.contents(atPath: shot)?.prefix(4) == Data([0x89, 0x50, 0x4e, 0x47]))
        // A picture that does not decode is reported broken; a missing section is named.
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: results + "/figures/fig4a-authors-code.png"))
        let bad = try runProgram("/usr/bin/env", ["python3", script, results + "/report/index.html", "--sections", "summary,fig-99"])
        #expect(bad.code == 1 && bad.out.contains("../figures/fig4a-authors-code.png") && bad.out.contains("fig-99"), "\(bad.out) \(bad.err)")
    }

    @Test func badClaimsFileExitsTwoWithOneLine() throws {
        let results = makeTemporaryFolder("review-bad")
        let missing = try runSuiteTool("report", ["--results", results, "--claims", results + "/none.csv"])
        #expect(missing.code == 2 && missing.err.split(separator: "\n").count == 1, "\(missing.err)")
        let bad = results + "/claims.csv"
        try Data("id,artefact,claim,paper,where,rule\nx,Fig 4a,c,,s,guess table=fig4a\n".utf8).write(to: URL(fileURLWithPath: bad))
        let r = try runSuiteTool("report", ["--results", results, "--claims", bad])
        #expect(r.code == 2 && r.err.contains("unknown check 'guess'") && r.err.split(separator: "\n").count == 1, "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: results + "/report/index.html"))
    }
}
