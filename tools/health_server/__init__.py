"""The reference implementation of the `/health` contract (docs/health-contract.md).

A small stdlib-only HTTP server that app teams can read and copy: `GET /health` runs real
checks of the database and the cache on every request and answers 200 + healthy or
503 + unhealthy in the seed's JSON format, which the ALB target group and the readiness gate
(`muejam.infra.health_readiness`) check. `python -m tools.health_server serve|start|stop|status`
(see `__main__.py`); the probes are in `checks.py`, the HTTP side in `server.py`.
"""
