"""The programme: a discount every day, an event every week, a theme every month.

天天有优惠、周周有活动、月月有主题.
"""
