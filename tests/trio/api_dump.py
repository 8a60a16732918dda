"""
Print the public API of websockets.trio as JSON: for each public callable
and each public method of public classes, its parameters' names, kinds and
default values, and whether it's a coroutine function.

Run by test_trio_api.py with this package and with the released websockets.

"""

import importlib
import inspect
import json
import re


MODULES = ["client", "server", "connection", "messages", "router", "utils"]


def describe(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = []
    for param in signature.parameters.values():
        default = (
            None
            if param.default is inspect.Parameter.empty
            else re.sub(r" at 0x[0-9a-f]+", "", repr(param.default))
        )
        params.append([param.name, param.kind.name, default])
    if inspect.iscoroutinefunction(obj):
        kind = "coroutine"
    elif inspect.isasyncgenfunction(obj):
        kind = "async generator"
    else:
        kind = "function"
    return {"params": params, "kind": kind}


api = {}
for name in MODULES:
    module = importlib.import_module(f"websockets.trio.{name}")
    api[f"{name}.__all__"] = sorted(module.__all__)
    for public in module.__all__:
        obj = getattr(module, public)
        api[f"{name}.{public}"] = describe(obj)
        if inspect.isclass(obj):
            api[f"{name}.{public}.__mro__"] = [
                f"{cls.__module__}.{cls.__qualname__}"
                for cls in obj.__mro__
                if not cls.__module__.startswith("websockets")
            ]
            for attr in dir(obj):
                if attr.startswith("_") and attr not in (
                    "__aenter__",
                    "__aexit__",
                    "__aiter__",
                    "__init__",
                ):
                    continue
                value = inspect.getattr_static(obj, attr)
                if isinstance(value, property):
                    api[f"{name}.{public}.{attr}"] = "property"
                elif callable(value):
                    api[f"{name}.{public}.{attr}"] = describe(getattr(obj, attr))

print(json.dumps(api, indent=1, sort_keys=True))
