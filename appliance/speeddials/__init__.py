"""Speed dials: a box-wide list of *0NN codes, each dialling one number from any phone."""
