"""The schema and its reading page, open to anyone: they describe the API, not a holder's data.
The page is Swagger UI from drf-spectacular-sidecar's files, served by the portal itself (no CDN),
with its start script as a file too, so the portal's Content-Security-Policy holds unchanged."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    authentication_classes = permission_classes = throttle_classes = ()


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes = permission_classes = throttle_classes = ()
    template_name = "api/swagger_ui.html"
    url_name = "api_schema"
