/* fapiao.h - the rules of billingProfile.fapiao (开票信息), the details a Chinese VAT invoice
 * (发票) needs: invoice type, fully digital or not, title, the buyer's taxpayer id (a USCC),
 * registered address and phone, bank and account, and who receives it.  Only for customers in
 * CN; country.c decides that and calls this.  Pure: no I/O, no globals. */
#ifndef PD_FAPIAO_H
#define PD_FAPIAO_H
#include "arena.h"
#include "err.h"
#include "model.h"

/* Checks and canonicalises f in place; errors name "<prefix>.<field>" (prefix e.g.
 * "billingProfile.fapiao").  Defaults: invoiceType "ordinary", digital false, title the
 * company name, taxpayerId the company's registration number (`regnum`, may be NULL).
 * Rules: invoiceType "ordinary" or "special"; taxpayerId required, a valid USCC (upper-cased);
 * title 1-100 characters; registeredAddress <= 200; registeredPhone a mainland number;
 * bankName <= 100; bankAccount 8-30 digits once spaces and hyphens are dropped (stored as
 * digits); recipientName <= 50; recipientMobile a mainland mobile number; recipientEmail an
 * e-mail address <= 254.  A "special" invoice requires registeredAddress, registeredPhone,
 * bankName and bankAccount. */
void pd_fapiao_check(struct pd_fapiao *f, const char *company_name, const char *regnum,
		     const char *prefix, struct pd_verrs *errs, struct pd_arena *ar);

#endif
