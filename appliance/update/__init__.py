"""Firmware updates, the A/B system slots and factory reset.

The box has two system slots (A and B) and boots one of them; GRUB counts
each boot of a slot and RAUC switches slots and marks them good or bad. This
package is the supervisor's side of that: it installs an uploaded bundle into
the other slot, marks the running slot good once the box is healthy, notices a
rollback, and reports both slots' versions. `rauc.py` is the only place that
runs system commands; `logic.py` holds the decisions, free of them.
"""
