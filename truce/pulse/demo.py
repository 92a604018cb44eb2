"""What `truce demo` seeds for pulse: called after the demo agreement."""


def install_demo_pulse() -> None:
    return None
