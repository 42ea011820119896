"""A form's field as the plain values a hand-written template field needs."""


def field_values(form, name, default=None):
    """``{name: what was submitted (default if nothing), name_errors: its errors}``: looked up on a
    Form in a template, each costs the engine more than the markup it fills (a KeyError with a
    message, then the attribute)."""
    return {name: form.data.get(name, default), f"{name}_errors": form.errors.get(name, ())}
