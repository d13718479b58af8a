/*
 * calib-true: a program that does nothing and exits 0, linked statically.
 *
 * 'redline calibrate' times fork + exec + wait of it: statically linked,
 * its exec costs the kernel's work and the C library's start-up, without
 * the dynamic loader (which would measure shared libraries instead).
 * Installed in $(PREFIX)/lib/redline/, where redline finds it from its own
 * location.
 */
int main(void)
{
	return 0;
}
