"""keras.ops.numpy: the numpy-like functions of ``keras.ops`` under Keras's namespace.

Its functions are those of ``keras.ops`` itself (``ops.numpy.sum is ops.sum``), put here by
``ops/namespaces.py`` when ``minikeras.ops`` is imported.
"""
