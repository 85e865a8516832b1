//! The holder page's words in English and Spanish: one table, no framework. Sentences carry
//! `{name}` slots filled by [`fill`].

use jiff::civil::Date;

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }

    /// `?lang=` when given (`en` or `es`), else the first of `Accept-Language` we speak, else
    /// English.
    pub fn choose(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        let parse = |s: &str| {
            let primary = s.split(['-', '_', ';']).next().unwrap_or("").trim();
            match primary.to_ascii_lowercase().as_str() {
                "es" => Some(Lang::Es),
                "en" => Some(Lang::En),
                _ => None,
            }
        };
        if let Some(l) = query.and_then(parse) {
            return l;
        }
        accept_language
            .into_iter()
            .flat_map(|h| h.split(','))
            .find_map(parse)
            .unwrap_or(Lang::En)
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }

    /// A date as people write it: `December 3, 2026`, `3 de diciembre de 2026`.
    pub fn date(self, d: Date) -> String {
        let i = usize::try_from(d.month() - 1).unwrap_or(0).min(11);
        match self {
            Lang::En => format!("{} {}, {}", EN_MONTHS[i], d.day(), d.year()),
            Lang::Es => format!("{} de {} de {}", d.day(), ES_MONTHS[i], d.year()),
        }
    }
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_string(), |out, (name, value)| {
            out.replace(&format!("{{{name}}}"), value)
        })
}

/// Every sentence of the holder page.
#[derive(Debug)]
pub struct Text {
    pub switch_to: &'static str,
    pub confirm_title: &'static str,
    pub account_ending: &'static str,
    pub deposits_intro: &'static str,
    pub deposits_when: &'static str,
    pub deposits_ask: &'static str,
    pub amount_1: &'static str,
    pub amount_2: &'static str,
    pub amount_hint: &'static str,
    pub code_intro: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub code_on_its_way: &'static str,
    pub submit: &'static str,
    pub wrong_amounts: &'static str,
    pub wrong_code: &'static str,
    pub attempts_left: &'static str,
    pub bad_amounts: &'static str,
    pub bad_code: &'static str,
    pub not_sent: &'static str,
    pub refused: &'static str,
    pub verified_title: &'static str,
    pub verified_body: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub locked_title: &'static str,
    pub locked_body: &'static str,
    pub failed_title: &'static str,
    pub failed_body: &'static str,
    pub start_intro: &'static str,
    pub start_micro: &'static str,
    pub start_instant: &'static str,
    pub collect_title: &'static str,
    pub collect_intro: &'static str,
    pub routing: &'static str,
    pub account_number: &'static str,
    pub account_type: &'static str,
    pub checking: &'static str,
    pub savings: &'static str,
    pub continue_label: &'static str,
    pub bad_details: &'static str,
    pub support: &'static str,
    pub forbidden: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub throttled: &'static str,
}

pub static EN: Text = Text {
    switch_to: "Español",
    confirm_title: "Confirm your bank account",
    account_ending: "Account ending in {last4}",
    deposits_intro: "We are sending two deposits under $1 from {company} described ACCTVERIFY to this account.",
    deposits_when: "They should appear on your statement by {date}.",
    deposits_ask: "Enter the two amounts exactly as your statement shows them, for example 0.12.",
    amount_1: "Amount 1",
    amount_2: "Amount 2",
    amount_hint: "In dollars, like 0.12",
    code_intro: "We sent $0.01 from {company} to this account. Its description carries a code like MV1234.",
    code_label: "Code",
    code_hint: "MV and four digits, or just the four digits",
    code_on_its_way: "A $0.01 payment with your code is on its way. Reload this page in a moment.",
    submit: "Confirm",
    wrong_amounts: "Those amounts don't match the deposits.",
    wrong_code: "That code doesn't match.",
    attempts_left: "Attempts left: {n}. You can answer until {date}.",
    bad_amounts: "Enter both amounts in dollars, like 0.12, .12 or $0.12.",
    bad_code: "Enter the code as MV1234 or 1234.",
    not_sent: "The payment has not been sent yet; try again once it is on your statement. This did not count as an attempt.",
    refused: "This can't be done right now.",
    verified_title: "Bank account verified",
    verified_body: "Thank you. Your bank account is verified; you can close this page.",
    expired_title: "This link is no longer valid",
    expired_body: "It expired or was cancelled. Ask {company} for a new link.",
    locked_title: "No attempts left",
    locked_body: "This bank account can't be verified online any more. Contact {company} to continue.",
    failed_title: "We couldn't verify this bank account",
    failed_body: "The bank did not accept the verification. Contact {company} to add your account again.",
    start_intro: "Choose how to confirm this bank account.",
    start_micro: "Send two small deposits (1–2 banking days)",
    start_instant: "Send a code now",
    collect_title: "Add your bank account",
    collect_intro: "Enter your bank details. We will send two deposits under $1 to confirm the account is yours.",
    routing: "Routing number",
    account_number: "Account number",
    account_type: "Account type",
    checking: "Checking",
    savings: "Savings",
    continue_label: "Continue",
    bad_details: "Check the routing and account numbers and try again.",
    support: "Questions? Contact {contact}.",
    forbidden: "This form could not be accepted. Go back, reload the page and try again.",
    not_found_title: "Link not found",
    not_found_body: "Check that you copied the whole link.",
    throttled: "Too many tries. Wait a few minutes and try again.",
};

pub static ES: Text = Text {
    switch_to: "English",
    confirm_title: "Confirma tu cuenta bancaria",
    account_ending: "Cuenta terminada en {last4}",
    deposits_intro: "Enviamos dos depósitos de menos de $1 de {company} con la descripción ACCTVERIFY a esta cuenta.",
    deposits_when: "Deberían aparecer en tu estado de cuenta a más tardar el {date}.",
    deposits_ask: "Escribe los dos montos tal como aparecen en tu estado de cuenta, por ejemplo 0.12.",
    amount_1: "Monto 1",
    amount_2: "Monto 2",
    amount_hint: "En dólares, como 0.12",
    code_intro: "Enviamos $0.01 de {company} a esta cuenta. Su descripción lleva un código como MV1234.",
    code_label: "Código",
    code_hint: "MV y cuatro dígitos, o solo los cuatro dígitos",
    code_on_its_way: "Un pago de $0.01 con tu código está en camino. Vuelve a cargar esta página en un momento.",
    submit: "Confirmar",
    wrong_amounts: "Esos montos no coinciden con los depósitos.",
    wrong_code: "Ese código no coincide.",
    attempts_left: "Intentos restantes: {n}. Puedes responder hasta el {date}.",
    bad_amounts: "Escribe ambos montos en dólares, como 0.12, .12 o $0.12.",
    bad_code: "Escribe el código como MV1234 o 1234.",
    not_sent: "El pago aún no se ha enviado; inténtalo de nuevo cuando aparezca en tu estado de cuenta. Esto no contó como intento.",
    refused: "Esto no se puede hacer en este momento.",
    verified_title: "Cuenta bancaria verificada",
    verified_body: "Gracias. Tu cuenta bancaria está verificada; puedes cerrar esta página.",
    expired_title: "Este enlace ya no es válido",
    expired_body: "Venció o fue cancelado. Pide a {company} un nuevo enlace.",
    locked_title: "No quedan intentos",
    locked_body: "Esta cuenta bancaria ya no se puede verificar en línea. Comunícate con {company} para continuar.",
    failed_title: "No pudimos verificar esta cuenta bancaria",
    failed_body: "El banco no aceptó la verificación. Comunícate con {company} para agregar tu cuenta de nuevo.",
    start_intro: "Elige cómo confirmar esta cuenta bancaria.",
    start_micro: "Enviar dos depósitos pequeños (1–2 días hábiles)",
    start_instant: "Enviar un código ahora",
    collect_title: "Agrega tu cuenta bancaria",
    collect_intro: "Escribe los datos de tu banco. Enviaremos dos depósitos de menos de $1 para confirmar que la cuenta es tuya.",
    routing: "Número de ruta",
    account_number: "Número de cuenta",
    account_type: "Tipo de cuenta",
    checking: "Corriente",
    savings: "Ahorros",
    continue_label: "Continuar",
    bad_details: "Revisa el número de ruta y el número de cuenta e inténtalo de nuevo.",
    support: "¿Preguntas? Comunícate con {contact}.",
    forbidden: "No se pudo aceptar este formulario. Vuelve atrás, carga la página de nuevo e inténtalo otra vez.",
    not_found_title: "Enlace no encontrado",
    not_found_body: "Verifica que copiaste el enlace completo.",
    throttled: "Demasiados intentos. Espera unos minutos e inténtalo de nuevo.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_accept_language_then_english() {
        assert_eq!(Lang::choose(Some("es"), Some("en-US")), Lang::Es);
        assert_eq!(Lang::choose(None, Some("fr-FR, es-MX;q=0.8")), Lang::Es);
        assert_eq!(Lang::choose(Some("xx"), None), Lang::En);
        assert_eq!(Lang::choose(None, None), Lang::En);
    }

    #[test]
    fn dates_read_naturally() {
        let d = jiff::civil::date(2026, 12, 3);
        assert_eq!(Lang::En.date(d), "December 3, 2026");
        assert_eq!(Lang::Es.date(d), "3 de diciembre de 2026");
    }
}
