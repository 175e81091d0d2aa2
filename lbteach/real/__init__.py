"""The real restaurant: real HAProxy (or nginx) in front of real table processes, beside the engine.

`table` is one table's tiny cart shop (its own OS process, standard library only);
`front` is the balancer program's interface, `haproxy` and `nginx` its two kinds (their
configuration and reload); `balancers` what each offers and the engine's twin;
`supervisor` starts, crashes, restores and reconfigures the processes and stops them all
(`processes` has the helpers); `predict` asks the engine which table it expects for each
real request; `guests` remembers where each client sat, for the projector; `control` lets
the site talk to the supervisor through a Unix socket; `service`, `views` and `urls` are
the /real/ pages; `management/commands/real.py` is `make real`.
"""
