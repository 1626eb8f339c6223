"""What customers see and merchants redeem; may import alliance, never the reverse."""
