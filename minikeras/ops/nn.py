"""keras.ops.nn: the neural-network functions of ``keras.ops`` under Keras's namespace
(activations, crossentropies, convolutions, pools, normalizations, CTC ...).

Its functions are those of ``keras.ops`` itself (``ops.nn.relu is ops.relu``), put here by
``ops/namespaces.py`` when ``minikeras.ops`` is imported. Most are defined in
ops/neural_network.py; minikeras's own code imports them from there.
"""
