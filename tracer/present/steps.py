"""The steps of a pass as the handout shows them: what each one works out (a worksheet
ends with the last step that works out a blank) and what it is worked from (a value
worked from a blank is blanked too)."""

from __future__ import annotations


def forward_results(trace, layer: str) -> frozenset:
    """What a layer's forward step works out: its forward quantities but its parameters
    (conv1.out; relu1.out and relu1.mask; pool1.out, .argmax and .ties; loss.out)."""
    return frozenset(q.id for q in trace.quantities.values() if q.layer == layer
                     and q.step == "forward" and q.id not in (f"{layer}.weight", f"{layer}.bias"))


def backward_results(trace, info: dict) -> frozenset:
    """What a layer's backward step works out: the gradients of its parameters and of its
    input (relu1's backward gives conv1.grad; its own relu1.grad came from the step
    before)."""
    name, source = info["name"], info["input"].split(".")[0]
    own = {q.id for q in trace.quantities.values() if q.layer == name and q.step == "backward"}
    return frozenset((own - {f"{name}.grad"}) | ({f"{source}.grad"} & set(trace.ids())))


def step_results(trace, step: str) -> frozenset:
    """Every quantity of a step: the new parameters (update), the loss after it (after)."""
    return frozenset(q.id for q in trace.quantities.values() if q.step == step)


def pass_steps(trace) -> list[tuple[frozenset, frozenset]]:
    """(results, inputs) of each step in the handout's order: each layer's forward, the
    loss, the output's backward, each layer's backward, the update, the loss after it.
    Inputs over-approximate (a backward step uses all of its layer's forward values)."""
    ids = set(trace.ids())
    layers, kind = trace.layers, trace.conventions.get("pass", "train")
    steps = []
    for info in layers:
        params = {f"{info['name']}.weight", f"{info['name']}.bias"} & ids
        steps.append((forward_results(trace, info["name"]), frozenset({info["input"]} | params)))
    if kind == "forward" or not layers:
        return steps
    hidden_layers = layers[:-1] if kind == "train" else layers
    if kind == "train":
        scores = forward_results(trace, layers[-1]["name"]) | {"target.out"}
        steps.append((forward_results(trace, "loss"), scores))
        if hidden_layers:
            steps.append((frozenset({f"{hidden_layers[-1]['name']}.grad"}), scores))
    for info in reversed(hidden_layers):
        name = info["name"]
        steps.append((backward_results(trace, info), frozenset(
            {f"{name}.grad", info["input"]} | forward_results(trace, name))))
    updates = step_results(trace, "update")  # one section shows them all
    if updates:
        steps.append((updates, frozenset(q.removesuffix("_new").replace(".", ".grad_", 1)
                                         for q in updates)))
    if "loss.after" in ids:
        steps.append((step_results(trace, "after"), updates))
    return steps
