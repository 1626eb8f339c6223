"""What keeps the platform running, shown to staff: the scheduler's health."""
