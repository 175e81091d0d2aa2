"""ASGI entry point: HTTP through Django, websockets through the Channels router."""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbteach.settings")
# Django must be set up before the routing imports consumers and models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from lbteach import eager_writes  # noqa: E402
from lbteach.live.origins import ExactOriginValidator  # noqa: E402
from lbteach.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The origin check refuses every page but the site's own, exactly (scheme, host and
        # port), and a missing Origin, before any consumer runs.
        # Cookies only, not channels' session middleware: a consumer reads the session once,
        # when it connects, and the middleware would otherwise wrap every frame it sends.
        "websocket": ExactOriginValidator(CookieMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

# Under daphne, a websocket frame goes to the socket at once instead of on Twisted's next turn.
eager_writes.install()

# Everything loaded by now lives as long as the process. Freezing it keeps full garbage
# collections short: in a process holding hundreds of websockets they otherwise pause every
# viewer's frame for 75-100 ms (docs/benchmarks.md, "Classroom fan-out").
gc.collect()
gc.freeze()
