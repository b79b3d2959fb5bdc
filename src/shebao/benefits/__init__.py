"""Benefits: what the funds pay out — pensions (pension/), and the other schemes' claims."""
