/* The `static` controller: holds the width it was given (the guards still apply). */
#include "runner/controller.h"

#include <stdio.h>

static void static_decide(struct tp_controller *c, const struct tp_ctl_sample *s,
			  struct tp_decision *d)
{
	d->workers = c->opts.initial > 0 ? c->opts.initial : s->workers;
	snprintf(d->reason, sizeof(d->reason), "static: hold %d", d->workers);
}

const struct tp_controller_desc tp_controller_static = {
	.name = "static",
	.summary = "hold the given width (memory guards still shrink it)",
	.holds = 1,
	.decide = static_decide,
};
