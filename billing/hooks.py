"""How apps above billing learn about money without billing importing them.

addons registers here in its AppConfig.ready(): billing calls the handlers after a top-up's
credit has landed (inside the same transaction), and asks the providers how much a holder's
pending purchases still lack (a top-up of exactly that shortfall may go below the minimum)."""

_credit_landed_handlers = []
_shortfall_providers = []


def register_credit_landed_handler(handler):
    """handler(*, holder_id) -> None; called after a top-up credited the holder's wallet."""
    if handler not in _credit_landed_handlers:
        _credit_landed_handlers.append(handler)


def register_shortfall_provider(provider):
    """provider(*, holder_id) -> int cents the holder's pending purchases lack beyond the balance."""
    if provider not in _shortfall_providers:
        _shortfall_providers.append(provider)


def credit_landed(*, holder_id):
    for handler in _credit_landed_handlers:
        handler(holder_id=holder_id)


def pending_shortfall_cents(*, holder_id):
    return sum(provider(holder_id=holder_id) for provider in _shortfall_providers)
