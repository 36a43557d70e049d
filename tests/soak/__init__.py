"""`make soak`: the factory through its real scheduler for a bounded time, under faults, then checked.

``python -m soak`` (run from ``tests/``; ``make soak``). The pieces:

* :mod:`soak.setup`: the one place the soak is configured (``ACF_SOAK_*`` settings, the stack's environment,
  the Connections pointing at the stand-ins, the user it logs in as);
* :mod:`soak.services`: every external service as its loopback stand-in (``tests/stand_ins``) with ~10% of
  calls faulted (``chaos.faulty.RandomFaults``), and S3 as moto behind a fault-injecting proxy;
* :mod:`soak.disrupt`: SIGKILL of running task processes, a PostgreSQL restart;
* :mod:`soak.monitor`: a real Prometheus scraping ``/acf/metrics``, memory of the long-lived components,
  database size;
* :mod:`soak.checks`: the invariants checked at the end, and the last line.
"""
