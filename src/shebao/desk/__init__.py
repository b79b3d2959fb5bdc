"""The staff service desk: find a person, act on their behalf, print, work the queues."""
