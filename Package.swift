// swift-tools-version:6.0
// The S2AC reproduction suite. Grouped by role: C libraries, the library, one executable per
// paper figure (plus report and bench), tests.
import PackageDescription

let cLibraries: [Target] = [
    .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5-serial",
                   providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "CMuJoCo", path: "Sources/CMuJoCo", providers: [.apt(["libmujoco-dev"])]),
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
    // prctl, which the C library declares variadic (a launcher's runs stop with it).
    .systemLibrary(name: "CProcess", path: "Sources/CProcess"),
]

/// Release builds keep bounds, overflow and precondition checks (-O, not -Ounchecked): a
/// malformed input then stops with a trap instead of computing garbage. The hot kernels work on
/// unsafe pointers over buffers whose sizes are checked where the buffers are made, so the checks
/// cost little there (README, "Speed").
let release: [SwiftSetting] = [.unsafeFlags(["-O", "-wmo"], .when(configuration: .release))]

let library: [Target] = [
    .target(name: "S2ACCore",
            dependencies: ["CHDF5", "CMuJoCo", "CBLAS", "CProcess",
                           .product(name: "Numerics", package: "swift-numerics")],
            path: "Sources/S2ACCore",
            swiftSettings: release),
    // Shared by the executables only: the suite's exit-code conventions over ArgumentParser.
    .target(name: "ExperimentSupport",
            dependencies: ["S2ACCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/ExperimentSupport",
            swiftSettings: release),
]

/// One executable per figure or tool; each is a thin ParsableCommand over S2ACCore.
func experiment(_ name: String, _ folder: String) -> Target {
    .executableTarget(name: name,
                      dependencies: ["S2ACCore", "ExperimentSupport",
                                     .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      path: "Experiments/\(folder)",
                      swiftSettings: release)
}

let experiments: [Target] = [
    experiment("report", "Report"),
    experiment("bench-engine", "BenchEngine"),
    experiment("rliable-stats", "RliableStats"),
    experiment("bench-rliable", "BenchRliable"),
    experiment("entropy-eval", "EntropyEval"),
    experiment("kernel-sweep", "KernelSweep"),
    experiment("env-replay", "EnvReplay"),
    experiment("bench-envs", "BenchEnvs"),
    experiment("bench-agents", "BenchAgents"),
    experiment("train", "Train"),
    experiment("multigoal-modes", "MultigoalModes"),
    experiment("obstacle-robustness", "ObstacleRobustness"),
    experiment("table1", "Table1"),
    experiment("mujoco-curves", "MuJoCoCurves"),
]

/// libFuzzer's target over the readers (`make fuzz` builds it with -sanitize=fuzzer -DFUZZING);
/// built plainly, it replays the input files it is given.
let fuzz: [Target] = [
    .executableTarget(name: "fuzz-readers", dependencies: ["S2ACCore"], path: "Fuzz/FuzzReaders", swiftSettings: release),
]

let tests: [Target] = [
    .testTarget(name: "S2ACCoreTests", dependencies: ["S2ACCore"], path: "Tests/S2ACCoreTests",
                resources: [.copy("Fixtures")]),
]

let package = Package(
    name: "S2AC",
    platforms: [.macOS(.v13)],
    products: [.library(name: "S2ACCore", targets: ["S2ACCore"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: cLibraries + library + experiments + fuzz + tests,
    swiftLanguageModes: [.v5]
)
