from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AddonsConfig(AppConfig):
    name = "addons"
    verbose_name = _("Servizi Aggiuntivi")

    def ready(self):
        # billing never imports addons: it calls back through these hooks (STYLE: one-way deps).
        from billing.hooks import (
            register_credit_landed_handler,
            register_shortfall_provider,
        )

        from .selectors import order_shortfall_cents
        from .services import orders_complete_pending

        register_credit_landed_handler(orders_complete_pending)
        register_shortfall_provider(order_shortfall_cents)
