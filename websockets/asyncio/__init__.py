"""
:mod:`asyncio` implementation of websockets: :mod:`.client`, :mod:`.server`,
:mod:`.connection`, :mod:`.messages` and :mod:`.router`.

"""
