/// Parameters and optimiser state in HDF5, one dataset per parameter named as in
/// `namedParameters` (so `layers.0.weight` is the same tensor as in PyTorch's state dict).

extension Module where Scalar: HDF5Scalar {
    /// Writes every parameter under `group` as a dataset of its name and shape.
    public func saveParameters(to group: HDF5Group) throws {
        for (name, p) in namedParameters { try group.write(name, p.scalars, shape: p.shape) }
    }

    /// Reads every parameter from `group` into this module's tensors (in place). The group
    /// must hold a dataset of the right shape for each name; extra datasets are ignored.
    public func loadParameters(from group: HDF5Group) throws {
        let where_ = "\(group.file.path):\(group.path)"
        // Read and check everything before writing anything, so a bad file leaves the module as it was.
        let loaded = try namedParameters.map { name, p -> [Scalar] in
            guard group.kind(of: name) == .dataset else { throw InputError("\(where_): no parameter '\(name)'") }
            let a = try group.read(name, as: Scalar.self)
            guard a.shape == p.shape else {
                throw InputError("\(where_): parameter '\(name)' has shape \(a.shape), the model needs \(p.shape)")
            }
            return a.values
        }
        for ((_, p), values) in zip(namedParameters, loaded) { p.assign(Tensor(values, shape: p.shape)) }
    }
}

extension Adam where T: HDF5Scalar {
    /// Writes the step count and both moment estimates, so a resumed run continues bit for bit.
    public func save(to group: HDF5Group) throws {
        try group.setAttribute("step", .int(stepCount))
        for (k, p) in parameters.enumerated() {
            try group.write("exp_avg.\(k)", firstMoments[k], shape: p.shape)
            try group.write("exp_avg_sq.\(k)", secondMoments[k], shape: p.shape)
        }
    }

    /// Restores state written by `save(to:)` for the same parameter shapes.
    public func load(from group: HDF5Group) throws {
        let where_ = "\(group.file.path):\(group.path)"
        guard let step = try group.attribute("step")?.intValue, step >= 0 else { throw InputError("\(where_): not a saved Adam state") }
        var m: [[T]] = [], v: [[T]] = []
        for (k, p) in parameters.enumerated() {
            for (name, into) in [("exp_avg", 0), ("exp_avg_sq", 1)] {
                guard group.kind(of: "\(name).\(k)") == .dataset else { throw InputError("\(where_): no '\(name).\(k)'") }
                let a = try group.read("\(name).\(k)", as: T.self)
                guard a.shape == p.shape else { throw InputError("\(where_): '\(name).\(k)' has shape \(a.shape), not \(p.shape)") }
                if into == 0 { m.append(a.values) } else { v.append(a.values) }
            }
        }
        restore(step: step, firstMoments: m, secondMoments: v)
    }
}
