from django.dispatch import Signal

# Sent by StatefulResource.save() inside the transaction that changes the state,
# once per transition, with: instance, previous_state, state.
state_changed = Signal()
