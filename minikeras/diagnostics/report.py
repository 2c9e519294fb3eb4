"""keras.diagnostics.report: train with the Diagnostics callback and print its table."""
from .callback import Diagnostics


def report(model, x, y, epochs=1, batch_size=32, print_fn=None, diagnostics=None,
           **fit_kwargs):
    """Fit ``model`` on ``x, y`` for ``epochs`` with :class:`Diagnostics` and print the last
    epoch's table. The model is trained (its weights change), exactly as ``fit`` would.

    Args:
        model: a compiled model.
        x, y: training data, as for ``fit``.
        epochs, batch_size: as for ``fit`` (default 1 epoch of batches of 32).
        print_fn: where the table's lines go (default ``print``).
        diagnostics: a configured :class:`Diagnostics` to use (default one with defaults).
        **fit_kwargs: any other ``fit`` argument; ``verbose`` defaults to 0.

    Returns:
        The Diagnostics callback (its ``history`` holds every epoch's figures).
    """
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    if not isinstance(diagnostics, Diagnostics):
        raise TypeError("`diagnostics` must be a keras.diagnostics.Diagnostics instance. "
                        f"Received: {diagnostics!r}")
    callbacks = [diagnostics] + list(fit_kwargs.pop("callbacks", None) or [])
    fit_kwargs.setdefault("verbose", 0)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=callbacks, **fit_kwargs)
    diagnostics.summary(print_fn=print_fn)
    return diagnostics
