"""The call-center floor at run time: agents, live queues, the dial plan's questions, callbacks, recordings."""
