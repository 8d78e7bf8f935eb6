/* Fuzz target: `tunepool model`'s input (CSV, results.json, hyperfine JSON)
 * and the fits on whatever points it accepts: they must return, and every
 * interval they give must hold its estimate. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "tuner/modeldata.h"
#include "tuner/usl.h"

static void check_param(const char *name, const struct tp_usl_param *p)
{
	if (isnan(p->value) || (!isnan(p->lo) && !(p->lo <= p->value && p->value <= p->hi))) {
		fprintf(stderr, "%s = %g outside its interval [%g, %g]\n", name, p->value, p->lo, p->hi);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_model_data d;
	struct tp_model_data_opts o = { NULL, NULL };
	struct tp_usl_analysis a;
	char buf[1024];
	int w;

	tp_log_set_quiet(2);
	tp_model_data_init(&d);
	if (tp_model_data_parse(&d, "fuzz", (const char *)data, size, &o) == 0 && d.k <= 4096) {
		for (w = 0; w < 2; w++) {
			if (tp_usl_analyze(d.n, d.x, d.k, (enum tp_usl_weights)w, &a))
				continue;
			check_param("lambda", &a.usl.lambda);
			check_param("sigma", &a.usl.sigma);
			check_param("kappa", &a.usl.kappa);
			check_param("amdahl sigma", &a.amdahl.sigma);
			if (!(a.usl.sigma.value >= 0 && a.usl.kappa.value >= 0)) {
				fprintf(stderr, "a parameter left its bounds\n");
				abort();
			}
			tp_usl_verdict(&a, buf, sizeof(buf));
		}
	}
	tp_model_data_release(&d);
	return 0;
}
