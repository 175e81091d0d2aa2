"""The real restaurant: a real HAProxy in front of real table processes, beside the engine.

`table` is one table's tiny cart shop (its own OS process, standard library only);
`haproxy` writes HAProxy's configuration; `supervisor` starts, crashes, restores and
reconfigures the processes and stops them all; `predict` asks the engine which table it
expects for each real request; `control` lets the site talk to the supervisor through a
Unix socket; `service`, `views` and `urls` are the /real/ page.
"""
