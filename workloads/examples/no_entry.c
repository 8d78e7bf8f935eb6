/* Example of a shared object tunepool must refuse: it exports no
 * tunepool_plugin_entry descriptor. */
int tunepool_not_a_plugin(void);

int tunepool_not_a_plugin(void)
{
	return 42;
}
