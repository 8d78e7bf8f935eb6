/* Export as Slurm batch directives.  Wait-bound configs may run more workers
 * than CPUs; the allocation asks only for the CPUs they can use. */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

static int write_slurm(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	tp_strbuf_addf(out, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n",
		       tp_export_cpus(c));
	if (c->memory_per_worker_kb > 0)
		tp_strbuf_addf(out, "#SBATCH --mem=%lldM\n",
			       (c->memory_per_worker_kb * c->workers + 1023) / 1024);
	tp_strbuf_addf(out, "export TUNEPOOL_WORKERS=%d\nexport OMP_NUM_THREADS=%d\n",
		       c->workers, c->workers);
	return 0;
}

const struct tp_export_desc tp_export_slurm = {
	.name = "slurm",
	.summary = "sbatch directives: #SBATCH --cpus-per-task, --mem",
	.write = write_slurm,
};
