/// Reverse-mode differentiation over the graph held by the tensors.

/// The recorded tensors reachable from `outputs`, inputs before the results that use them.
func topologicalOrder<T>(_ outputs: [Tensor<T>]) -> [Tensor<T>] {
    var order: [Tensor<T>] = []
    var seen = Set<ObjectIdentifier>()
    // Iterative post-order DFS: deep unrolled graphs would overflow a recursive walk.
    var stack: [(Tensor<T>, Int)] = []
    for o in outputs where o.requiresGrad && seen.insert(ObjectIdentifier(o)).inserted {
        stack.append((o, 0))
        while let (t, i) = stack.last {
            let inputs = t.node?.inputs ?? []
            if i < inputs.count {
                stack[stack.count - 1].1 = i + 1
                let c = inputs[i]
                if c.requiresGrad && seen.insert(ObjectIdentifier(c)).inserted { stack.append((c, 0)) }
            } else {
                order.append(t)
                stack.removeLast()
            }
        }
    }
    return order
}

/// Gradients of sum_k <seeds[k], outputs[k]> with respect to each of `inputs` (a
/// vector-Jacobian product; seeds default to ones, so a scalar output gives its gradient).
///
/// With `createGraph` the results are recorded tensors that can be differentiated again
/// (PyTorch's `create_graph=True`); otherwise they are plain values. An input the outputs do
/// not depend on gets zeros. Only the part of the graph between the outputs and `inputs` runs.
@_specialize(where T == Float) @_specialize(where T == Double)
public func grad<T>(of outputs: [Tensor<T>], wrt inputs: [Tensor<T>], seeds: [Tensor<T>]? = nil,
                    createGraph: Bool = false) -> [Tensor<T>] {
    precondition(seeds == nil || seeds!.count == outputs.count, "one seed per output")
    let order = topologicalOrder(outputs)
    let targets = Set(inputs.map(ObjectIdentifier.init))
    // A tensor is on a path to some input when it is an input or one of its inputs is.
    var onPath = Set<ObjectIdentifier>()
    for t in order {
        let id = ObjectIdentifier(t)
        if targets.contains(id) || (t.node?.inputs.contains { onPath.contains(ObjectIdentifier($0)) } ?? false) {
            onPath.insert(id)
        }
    }
    var grads: [ObjectIdentifier: Tensor<T>] = [:]
    return GradMode.$isEnabled.withValue(createGraph) {
        for (k, o) in outputs.enumerated() where o.requiresGrad {
            let seed = seeds?[k] ?? Tensor<T>.ones(o.shape)
            precondition(seed.shape == o.shape, "seed shape \(seed.shape) for output shape \(o.shape)")
            let id = ObjectIdentifier(o)
            grads[id] = grads[id].map { $0 + seed } ?? seed
        }
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard let node = t.node, onPath.contains(id), let g = grads[id] else { continue }
            // Intermediate gradients are dropped once used, so their buffers return to the pool.
            if !targets.contains(id) { grads[id] = nil }
            let needs = node.inputs.map { $0.requiresGrad && onPath.contains(ObjectIdentifier($0)) }
            let parts = node.backward(g, t, needs)
            for (i, input) in node.inputs.enumerated() where needs[i] {
                guard let p = parts[i] else { continue }
                precondition(p.shape == input.shape, "\(node.name): gradient shape \(p.shape) for input \(input.shape)")
                let iid = ObjectIdentifier(input)
                grads[iid] = grads[iid].map { $0 + p } ?? p
            }
        }
        return inputs.map { grads[ObjectIdentifier($0)] ?? Tensor<T>.zeros($0.shape) }
    }
}

/// The gradient of one output (scalar, or with a seed of its shape) with respect to `inputs`.
@_specialize(where T == Float) @_specialize(where T == Double)
public func grad<T>(of output: Tensor<T>, wrt inputs: [Tensor<T>], seed: Tensor<T>? = nil,
                    createGraph: Bool = false) -> [Tensor<T>] {
    grad(of: [output], wrt: inputs, seeds: seed.map { [$0] }, createGraph: createGraph)
}

/// The vector-Jacobian product v^T (d output / d input).
@_specialize(where T == Float) @_specialize(where T == Double)
public func vjp<T>(of output: Tensor<T>, wrt input: Tensor<T>, seed v: Tensor<T>, createGraph: Bool = false) -> Tensor<T> {
    grad(of: [output], wrt: [input], seeds: [v], createGraph: createGraph)[0]
}

extension Tensor {
    /// Adds d(self)/d(leaf) (times `seed`, ones by default) into `grad` of every leaf that
    /// requires a gradient (PyTorch's `backward()`). Gradients accumulate until `zeroGrad()`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func backward(seed: Tensor? = nil) {
        let leaves = topologicalOrder([self]).filter { $0.node == nil }
        let gs = S2ACCore.grad(of: [self], wrt: leaves, seeds: seed.map { [$0] })
        withNoGrad {
            for (leaf, g) in zip(leaves, gs) { leaf.grad = leaf.grad.map { $0 + g } ?? g }
        }
    }
}
