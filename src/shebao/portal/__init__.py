"""The citizen portal's own records: appeals and complaints, correction requests, notices."""
