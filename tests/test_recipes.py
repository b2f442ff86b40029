import numpy as np
import pytest

from mlp_core.recipes import DEFAULT_RECIPE, RECIPES
from mlp_core.trainer import Trainer


def test_tutorial_recipe_is_the_tutorial():
    tutorial = RECIPES["tutorial"]
    assert (tutorial.dtype, tutorial.batch_size, tutorial.lr, tutorial.epochs, tutorial.seed) == ("float64", 32, 0.1, 25, 42)
    assert (tutorial.init, tutorial.optimizer, tutorial.schedule, tutorial.normalise) == ("tutorial", "sgd", "constant", "scale")
    assert tutorial.sizes == (784, 100, 200, 10) and tutorial.validation_size == 10_000
    assert tutorial.train_eval_size is None  # train accuracy on the whole training split, as the tutorial reports it


def test_fast_is_the_default_and_shipped_stands_on_its_own():
    assert DEFAULT_RECIPE == "fast"
    fast, shipped = RECIPES["fast"], RECIPES["shipped"]
    assert (fast.dtype, fast.init, fast.optimizer, fast.schedule, fast.augment) == ("float32", "he", "adamw", "cosine", False)
    assert shipped.augment and shipped.synthetic_styles > 0 and shipped.epochs > fast.epochs
    # Held-out images for the build's temperature fit; fast keeps the tutorial's split.
    assert 0 < shipped.validation_size < fast.validation_size
    assert shipped.dtype == "float32" and shipped.sizes[0] == 784 and shipped.sizes[-1] == 10


def test_shipped_does_not_change_when_fast_is_retuned():
    """SHIPPED is written out as a Recipe(...) of its own, naming no other recipe, so that a session
    retuning FAST cannot silently change the page's pretrained model."""
    import ast
    import inspect

    import mlp_core.recipes as recipes

    tree = ast.parse(inspect.getsource(recipes))
    (value,) = [node.value for node in tree.body if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "SHIPPED" for t in node.targets)]
    assert isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Recipe"
    named = {node.id for node in ast.walk(value) if isinstance(node, ast.Name)} - {"Recipe"}
    assert not named & {"FAST", "TUTORIAL", "RECIPES"}, named


def test_replace_makes_checked_variants():
    variant = RECIPES["fast"].replace(epochs=3, sizes=[784, 64, 10])
    assert variant.epochs == 3 and variant.sizes == (784, 64, 10) and RECIPES["fast"].epochs != 3
    with pytest.raises(ValueError, match="unknown recipe field"):
        RECIPES["fast"].replace(epochz=3)
    with pytest.raises(ValueError, match="optimizer"):
        RECIPES["fast"].replace(optimizer="rmsprop")
    with pytest.raises(ValueError, match="learning rate"):
        RECIPES["fast"].replace(lr=-1)
    with pytest.raises(ValueError, match="synthetic styles"):
        RECIPES["fast"].replace(synthetic_styles=-5)
    with pytest.raises(ValueError, match="not digits"):
        RECIPES["fast"].replace(not_digits=2.5)
    with pytest.raises(ValueError, match="augment aspect"):
        RECIPES["fast"].replace(augment_aspect=1.5)
    with pytest.raises(ValueError, match="augment bend"):
        RECIPES["fast"].replace(augment_bend=5.0)
    with pytest.raises(ValueError, match="synthetic pen"):
        RECIPES["fast"].replace(synthetic_pen=0.01)
    with pytest.raises(ValueError, match="cycle_samples"):
        RECIPES["fast"].replace(schedule="cosine_restart")
    with pytest.raises(ValueError, match="validate every"):
        RECIPES["fast"].replace(validate_every=0)
    with pytest.raises(ValueError, match="beta2"):
        RECIPES["fast"].replace(beta2=1.0)
    with pytest.raises(ValueError, match="deskew must be True or False"):
        RECIPES["fast"].replace(deskew="yes")


# --- the tutorial's code, verbatim in substance (Dense updates itself inside backward) ------------
class TutorialReLU:
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)


class TutorialDense:
    def __init__(self, input_units, output_units, learning_rate=0.1):
        self.learning_rate = learning_rate
        self.weights = np.random.normal(loc=0.0, scale=np.sqrt(2 / (input_units + output_units)), size=(input_units, output_units))
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return np.dot(input, self.weights) + self.biases

    def backward(self, input, grad_output):
        grad_input = np.dot(grad_output, self.weights.T)
        grad_weights = np.dot(input.T, grad_output)
        grad_biases = grad_output.mean(axis=0) * input.shape[0]
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input


def tutorial_grad(logits, reference_answers):
    ones_for_answers = np.zeros_like(logits)
    ones_for_answers[np.arange(len(logits)), reference_answers] = 1
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return (-ones_for_answers + softmax) / logits.shape[0]


def tutorial_train(network, X, y):
    activations = []
    input = X
    for layer in network:
        activations.append(layer.forward(input))
        input = activations[-1]
    layer_inputs = [X] + activations
    loss_grad = tutorial_grad(activations[-1], y)
    for index in range(len(network))[::-1]:
        loss_grad = network[index].backward(layer_inputs[index], loss_grad)


def tutorial_run(X_train, y_train, epochs):
    """np.random.seed(42), build the network, then per epoch a fresh permutation cut into batches of 32."""
    saved = np.random.get_state()
    try:
        np.random.seed(42)
        network = [TutorialDense(784, 100), TutorialReLU(), TutorialDense(100, 200), TutorialReLU(), TutorialDense(200, 10)]
        train_log = []
        for _ in range(epochs):
            indices = np.random.permutation(len(X_train))
            for start_idx in range(0, len(X_train) - 32 + 1, 32):
                excerpt = indices[start_idx:start_idx + 32]
                tutorial_train(network, X_train[excerpt], y_train[excerpt])
            logits = X_train
            for layer in network:
                logits = layer.forward(logits)
            train_log.append(np.mean(logits.argmax(axis=-1) == y_train))
        return network, train_log
    finally:
        np.random.set_state(saved)


def test_tutorial_recipe_matches_a_step_by_step_recomputation(synthetic_digits):
    images, labels = synthetic_digits
    expected_network, expected_train_log = tutorial_run(images.astype(float) / 255.0, labels, epochs=2)

    trainer = Trainer(RECIPES["tutorial"].replace(epochs=2, validation_size=0), images, labels)
    progress = trainer.run()
    assert progress["done"] and trainer.step == 2 * (600 // 32)
    ours = trainer.model.network.dense_layers()
    theirs = [layer for layer in expected_network if isinstance(layer, TutorialDense)]
    for mine, tutorial in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine.weights, tutorial.weights, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(mine.biases, tutorial.biases, rtol=1e-10, atol=1e-12)
    assert [r["train_acc"] for r in trainer.epoch_results] == expected_train_log
    assert trainer.model.dtype == np.float64 and (trainer.model.input_mean, trainer.model.input_std) == (0.0, 1.0)


@pytest.mark.mnist
def test_tutorial_recipe_matches_the_tutorial_on_real_mnist_for_a_few_hundred_steps(mnist):
    x, y = mnist["train_x"][:-10_000][:3200], mnist["train_y"][:-10_000][:3200]
    expected_network, _ = tutorial_run(x.astype(float) / 255.0, y, epochs=1)
    trainer = Trainer(RECIPES["tutorial"].replace(epochs=1, validation_size=0), x, y)
    trainer.run()
    for mine, tutorial in zip(trainer.model.network.dense_layers(), expected_network[::2], strict=True):
        np.testing.assert_allclose(mine.weights, tutorial.weights, rtol=1e-9, atol=1e-12)
