"""
Autobahn|Testsuite conformance runs, for our server and our client.

See ``README.rst`` in this folder.

"""
