"""Branches (网点) and the business districts (商圈) around them."""
