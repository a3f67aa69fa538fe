"""Peer for the CNN: Keras (TensorFlow, CPU, float32) runs the same network with the same weights as usv.
Usage: tf_parity.py IN.npz OUT.npz
IN.npz (float64) holds x (N, H, W, C), y (N,) 0/1, pos_weight (1,), lr (1,), the architecture conv_filters,
conv_kernels, conv_strides (L,) and dense_units (D,), and the weights in Keras layout: conv{i}/kernel (k, k, cin, cout)
(no bias) with its batch norm conv{i}/gamma, beta, moving_mean, moving_variance; dense{j}/kernel (in, out), bias and
the same four batch norm keys; out/kernel (in, 1) and out/bias (1,).
Network: [Conv2D(same, no bias) -> BatchNormalization(momentum 0.99, epsilon 0.001) -> ReLU] per conv layer, Flatten
(NHWC), [Dense -> BatchNormalization -> ReLU] per dense layer, Dense(1) giving a logit.
OUT.npz (float64) gets forward_inference and forward_training (N, 1), loss (1,) (batch mean of
tf.nn.weighted_cross_entropy_with_logits), gradients/<key> of the loss for every trainable weight, and every weight
under its input key after one Adam step (beta_1 0.9, beta_2 0.999, epsilon 1e-7) in training mode, which also moves
the batch norm statistics once."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # plain Eigen kernels: the same numbers on every CPU

import numpy as np
import tensorflow as tf
import keras

tf.config.experimental.enable_op_determinism()

data = np.load(sys.argv[1])
x = data["x"].astype(np.float32)
y = data["y"].astype(np.float32).reshape(-1, 1)
pos_weight = float(np.ravel(data["pos_weight"])[0])
lr = float(np.ravel(data["lr"])[0])
filters = [int(v) for v in np.ravel(data["conv_filters"])]
kernels = [int(v) for v in np.ravel(data["conv_kernels"])]
strides = [int(v) for v in np.ravel(data["conv_strides"])]
units = [int(v) for v in np.ravel(data["dense_units"])]

# Each entry: (key prefix, layer, names of its weights in Keras' get_weights order).
BN = ["gamma", "beta", "moving_mean", "moving_variance"]
blocks = []
inputs = keras.Input(shape=x.shape[1:], dtype="float32")
h = inputs
for i, (f, k, s) in enumerate(zip(filters, kernels, strides)):
    conv = keras.layers.Conv2D(f, k, strides=s, padding="same", use_bias=False)
    norm = keras.layers.BatchNormalization(momentum=0.99, epsilon=0.001)
    h = keras.layers.ReLU()(norm(conv(h)))
    blocks += [(f"conv{i}", conv, ["kernel"]), (f"conv{i}", norm, BN)]
h = keras.layers.Flatten()(h)
for j, u in enumerate(units):
    dense = keras.layers.Dense(u)
    norm = keras.layers.BatchNormalization(momentum=0.99, epsilon=0.001)
    h = keras.layers.ReLU()(norm(dense(h)))
    blocks += [(f"dense{j}", dense, ["kernel", "bias"]), (f"dense{j}", norm, BN)]
out = keras.layers.Dense(1)
logits = out(h)
blocks.append(("out", out, ["kernel", "bias"]))
model = keras.Model(inputs, logits)

for prefix, layer, names in blocks:
    layer.set_weights([data[f"{prefix}/{name}"].astype(np.float32) for name in names])

forward_inference = model(x, training=False).numpy()

optimizer = keras.optimizers.Adam(learning_rate=lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
with tf.GradientTape() as tape:
    forward_training = model(x, training=True)  # batch statistics; moves the moving statistics once
    loss = tf.reduce_mean(tf.nn.weighted_cross_entropy_with_logits(labels=y, logits=forward_training,
                                                                   pos_weight=pos_weight))
trainable = [(f"{prefix}/{name}", variable) for prefix, layer, names in blocks
             for name, variable in zip(names, layer.weights) if variable.trainable]
gradients = tape.gradient(loss, [variable for _, variable in trainable])
optimizer.apply_gradients(zip(gradients, [variable for _, variable in trainable]))

result = {"forward_inference": forward_inference, "forward_training": forward_training.numpy(),
          "loss": np.array([float(loss)])}
for (key, _), gradient in zip(trainable, gradients):
    result[f"gradients/{key}"] = gradient.numpy()
for prefix, layer, names in blocks:
    for name, value in zip(names, layer.get_weights()):
        result[f"{prefix}/{name}"] = value
np.savez(sys.argv[2], **{key: np.asarray(value, dtype=np.float64) for key, value in result.items()})
print(f"tensorflow {tf.__version__}: {len(filters)} conv, {len(units)} dense, batch {x.shape[0]}, "
      f"loss {float(loss):.6f}, {len(trainable)} gradients, {len(result)} arrays written")
