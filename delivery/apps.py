from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Webhook deliveries"

    def ready(self) -> None:
        from delivery import receivers
        from mkwebhooks.media.signals import state_changed

        state_changed.connect(receivers.on_state_changed, dispatch_uid="delivery.on_state_changed")
