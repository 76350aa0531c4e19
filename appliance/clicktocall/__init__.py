"""Click-to-call: staff click a number on a page; the box rings their desk phone, then dials the
number for them as if they had dialled it from that phone."""
