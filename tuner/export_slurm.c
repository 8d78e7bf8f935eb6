/* Export as the header of a Slurm batch script.  Wait-bound configs may run
 * more workers than CPUs; the allocation asks only for the CPUs they can use.
 * Memory is the runner's measured base plus every worker's measured peak, with
 * a quarter on top: never below what the tuned runs used. */
#include "core/strbuf.h"
#include "tuner/conf.h"
#include "tuner/export.h"

long long tp_export_slurm_mem_mb(const struct tp_tuned_conf *c)
{
	long long kb;

	if (c->memory_base_kb <= 0)
		return 0;
	kb = c->memory_base_kb + c->memory_per_worker_kb * c->workers;
	kb += kb / 4;
	return (kb + 1023) / 1024;
}

static int write_slurm(const struct tp_tuned_conf *c, struct tp_strbuf *out)
{
	long long mem = tp_export_slurm_mem_mb(c);

	tp_strbuf_adds(out, "#!/bin/bash\n");
	tp_strbuf_addf(out, "# tunepool: %s on machine %s\n", c->workload, c->fingerprint);
	tp_strbuf_addf(out, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n",
		       tp_export_cpus(c));
	if (mem > 0)
		tp_strbuf_addf(out, "#SBATCH --mem=%lldM\n", mem);
	else
		tp_strbuf_adds(out, "# no --mem: this tunepool.conf has no measured memory_base "
			       "(tune it again); the cluster's default applies\n");
	tp_strbuf_addf(out, "# then: tunepool run --workers %d --batch %d -- COMMAND ...\n",
		       c->workers, c->batch);
	return 0;
}

const struct tp_export_desc tp_export_slurm = {
	.name = "slurm",
	.summary = "sbatch script header: #!/bin/bash, --cpus-per-task, --mem",
	.write = write_slurm,
};
