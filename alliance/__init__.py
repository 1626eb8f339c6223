"""The alliance: who is in it and how the branch manages them."""
