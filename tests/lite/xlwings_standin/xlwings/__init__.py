"""A stand-in for the ``xlwings`` module that xlwings Lite provides: its decorators record what they are
given (as xlwings does, on ``__xlfunc__`` and ``__xlscript__``) and leave the function as it is."""

FUNCTIONS = {}
SCRIPTS = {}


def _meta(f):
    if not hasattr(f, "__xlfunc__"):
        f.__xlfunc__ = {"name": f.__name__, "args": {}, "ret": {}}
        FUNCTIONS[f.__name__] = f
    return f.__xlfunc__


def func(f=None, **options):
    def inner(f):
        _meta(f).update(options)
        return f
    return inner if f is None else inner(f)


def arg(name, convert=None, **options):
    def inner(f):
        if name not in f.__code__.co_varnames[:f.__code__.co_argcount]:
            raise Exception(f"Invalid argument name '{name}'.")
        _meta(f)["args"][name] = dict(options, convert=convert)
        return f
    return inner


def ret(convert=None, **options):
    def inner(f):
        _meta(f)["ret"] = dict(options, convert=convert)
        return f
    return inner


def script(f=None, **options):
    def inner(f):
        f.__xlscript__ = dict(options)
        SCRIPTS[f.__name__] = f
        return f
    return inner if f is None else inner(f)


class Book:
    """The type a script's ``book`` parameter is annotated with."""
