"""
Threading implementation of WebSocket clients and servers.

"""
