"""Vouchers: claiming from a coupon's stock, the wallet, typeable codes and signed QR payloads."""
