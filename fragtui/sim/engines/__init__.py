"""What moves the pools: event mode's lockstep steps and serving mode's ticks, behind one face."""
