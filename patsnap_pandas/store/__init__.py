"""What is kept, behind one interface with two backends: the local cache folder and a team's Redis."""
