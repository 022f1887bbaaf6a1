package checkout

import (
	"context"

	"github.com/deploytag/deploytag/pkg/progress"
)

// step runs f on every plan as each does, reporting each repo to
// Options.Progress as one step of the checkout.
func (w *work) step(ctx context.Context, name string, plans []*repoPlan, f func(context.Context, *repoPlan) error) error {
	pr := progress.Or(w.o.Progress)
	pr.Start(name, len(plans))
	defer pr.Stop()
	return w.each(ctx, plans, func(ctx context.Context, p *repoPlan) error {
		err := f(ctx, p)
		pr.Done(p.name)
		return err
	})
}
