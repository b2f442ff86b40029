"""MNIST's shape, the one place for these numbers: 28x28 grey images of the digits 0-9."""
IMAGE_SIDE = 28
INPUT_SIZE = IMAGE_SIDE * IMAGE_SIDE  # 784 pixels, one network input each
NUM_CLASSES = 10
