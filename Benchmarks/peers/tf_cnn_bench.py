"""Peer benchmark for the CNN: training and inference throughput of the same network in Keras (TensorFlow, CPU).
Usage: tf_cnn_bench.py --filters F --layers-kernels 10,5,3,3,3,3 --strides 2,2,1,1,1,1 --dense 120,120,120
                       --batch 64 --threads 2 --train-batches K --infer-batches K2 [--size 100]
Network: [Conv2D(F, same, no bias) -> BatchNormalization -> ReLU] per kernel, Flatten, [Dense -> BatchNormalization ->
ReLU -> Dropout(0.5)] per dense width, Dense(1) logit; input size x size x 1 float32 random data (seeded); loss the batch
mean of tf.nn.weighted_cross_entropy_with_logits (pos_weight 1); Adam 1e-3. Train and inference steps are
@tf.function (no XLA), timed after 2 and 1 warm-up batches. Prints one JSON object on stdout; logs go to stderr."""
import argparse
import json
import os
import sys
import time

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
os.environ["CUDA_VISIBLE_DEVICES"] = ""


def ints(text):
    return [int(v) for v in text.split(",") if v.strip()]


parser = argparse.ArgumentParser()
parser.add_argument("--filters", type=int, required=True)
parser.add_argument("--layers-kernels", type=ints, default=ints("10,5,3,3,3,3"))
parser.add_argument("--strides", type=ints, default=ints("2,2,1,1,1,1"))
parser.add_argument("--dense", type=ints, default=ints("120,120,120"))
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--train-batches", type=int, default=20)
parser.add_argument("--infer-batches", type=int, default=20)
parser.add_argument("--size", type=int, default=100)
args = parser.parse_args()
if len(args.layers_kernels) != len(args.strides):
    parser.error("--layers-kernels and --strides need the same number of entries")

import numpy as np
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras

keras.utils.set_random_seed(0)

model = keras.Sequential([keras.Input(shape=(args.size, args.size, 1), dtype="float32")])
for kernel, stride in zip(args.layers_kernels, args.strides):
    model.add(keras.layers.Conv2D(args.filters, kernel, strides=stride, padding="same", use_bias=False))
    model.add(keras.layers.BatchNormalization(momentum=0.99, epsilon=0.001))
    model.add(keras.layers.ReLU())
model.add(keras.layers.Flatten())
for units in args.dense:
    model.add(keras.layers.Dense(units))
    model.add(keras.layers.BatchNormalization(momentum=0.99, epsilon=0.001))
    model.add(keras.layers.ReLU())
    model.add(keras.layers.Dropout(0.5))
model.add(keras.layers.Dense(1))
optimizer = keras.optimizers.Adam(learning_rate=1e-3)


@tf.function(jit_compile=False)
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = tf.reduce_mean(tf.nn.weighted_cross_entropy_with_logits(labels=y, logits=logits, pos_weight=1.0))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


@tf.function(jit_compile=False)
def infer_step(x):
    return model(x, training=False)


rng = np.random.default_rng(0)


def batches(count):
    return [(tf.constant(rng.standard_normal((args.batch, args.size, args.size, 1), dtype=np.float32)),
             tf.constant((rng.random((args.batch, 1)) < 0.5).astype(np.float32))) for _ in range(count)]


print(f"tensorflow {tf.__version__}: {model.count_params()} parameters, threads {args.threads}", file=sys.stderr)
for x, y in batches(2):
    train_step(x, y).numpy()
data = batches(args.train_batches)
started = time.perf_counter()
for x, y in data:
    loss = train_step(x, y)
loss.numpy()
train_seconds = time.perf_counter() - started
print(f"train: {args.train_batches} batches in {train_seconds:.3f} s, last loss {float(loss):.4f}", file=sys.stderr)

for x, _ in batches(1):
    infer_step(x).numpy()
data = batches(args.infer_batches)
started = time.perf_counter()
for x, _ in data:
    out = infer_step(x)
out.numpy()
infer_seconds = time.perf_counter() - started
print(f"infer: {args.infer_batches} batches in {infer_seconds:.3f} s", file=sys.stderr)

print(json.dumps({"train_images_per_s": args.train_batches * args.batch / train_seconds,
                  "infer_images_per_s": args.infer_batches * args.batch / infer_seconds,
                  "train_seconds": train_seconds, "infer_seconds": infer_seconds, "tensorflow": tf.__version__,
                  "threads": args.threads, "filters": args.filters, "batch": args.batch}))
