"""Server-rendered pages for citizens, employers, clerks, supervisors, analysts and admins."""
