"""Column-name lexicon: what a column's name says about its content, in several languages.

``tokenize`` splits names (camelCase, snake_case, kebab-case, digits, accents folded);
``analyse_name`` matches the tokens against a lexicon of terms and abbreviations (en, de, fr, es, nl)
and returns an entity prior with a score, plus hints that lower it: a business qualifier
(``store_city``, ``product_name``), a modifier that makes the column about the value rather than the
value itself (``email_verified``, ``phone_type``), or a plainly non-personal term (``order_id``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from tools.sensitive.model import EntityType

# ---------------------------------------------------------------- tokenising


def fold(text: str) -> str:
    """Accents and ß folded to ASCII: ``Straße`` -> ``Strasse``, ``téléphone`` -> ``telephone``."""
    text = unicodedata.normalize("NFKC", text).replace("ß", "ss").replace("ẞ", "SS")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokenize(name: str) -> list[str]:
    """Lower-case tokens of a column or table name: ``custNm`` -> [cust, nm], ``addr_line1`` ->
    [addr, line, 1], ``Geburts-Datum`` -> [geburts, datum], ``téléphone`` -> [telephone]."""
    text = fold(name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([A-Za-z])(\d)", r"\1 \2", text)
    text = re.sub(r"(\d)([A-Za-z])", r"\1 \2", text)
    return [t for t in re.split(r"[^0-9a-z]+", text.lower()) if t]


# ---------------------------------------------------------------- lexicon


def words(text: str) -> frozenset[str]:
    """A set of space-separated words (keeps long word lists readable)."""
    return frozenset(text.split())


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry. ``alone``: only counts when it is the whole name (``name``, ``id``)."""

    key: str
    entity: EntityType
    score: float
    lang: str
    alone: bool = False


# (entity, score, language, space-separated terms in snake form; a trailing "!" = alone-only)
_SPEC: tuple[tuple[EntityType, float, str, str], ...] = (
    ("person_name", 0.92, "en", "full_name customer_name cust_name cust_nm client_name contact_name account_holder "
     "account_holder_name holder_name cardholder card_holder cardholder_name name_on_card patient_name "
     "employee_name emp_name member_name person_name beneficiary beneficiary_name payee payee_name recipient "
     "recipient_name addressee signatory next_of_kin emergency_contact guardian_name spouse_name owner_name "
     "driver_name passenger_name insured_name policy_holder policyholder"),
    ("person_name", 0.75, "en", "display_name"),
    ("person_name", 0.92, "en", "gp_name clinician_name doctor_name consultant_name nurse_name"),
    ("person_name", 0.92, "de", "kundenname kunde_name vollstandiger_name empfanger ansprechpartner"),
    ("person_name", 0.92, "fr", "nom_complet nom_client destinataire titulaire nom_prenom"),
    ("person_name", 0.92, "es", "nombre_completo nombre_cliente destinatario titular nombre_y_apellidos"),
    ("person_name", 0.92, "nl", "volledige_naam klantnaam naam_klant ontvanger tenaamstelling"),
    ("person_name", 0.55, "en", "name! customer! client! patient! holder!"),
    ("person_name", 0.55, "de", "kunde! kunden!"),
    ("person_name", 0.55, "es", "nombre! cliente!"),
    ("person_name", 0.55, "nl", "naam! klant!"),
    ("person_name", 0.55, "en", "renter! tenant! lessee! driver! keeper!"),
    ("person_name", 0.55, "de", "mieter! fahrer! halter! leasingnehmer!"),
    ("person_name", 0.55, "fr", "locataire! conducteur!"),
    ("person_name", 0.55, "es", "arrendatario! inquilino! conductor!"),
    ("person_name", 0.55, "nl", "huurder! bestuurder! leasenemer!"),
    ("first_name", 0.93, "en", "first_name firstname fname f_name given_name givenname forename forenames first_nm "
     "christian_name middle_name"),
    ("first_name", 0.93, "de", "vorname rufname"),
    ("first_name", 0.93, "fr", "prenom prenoms"),
    ("first_name", 0.93, "es", "nombre_pila primer_nombre nombre_de_pila"),
    ("first_name", 0.93, "nl", "voornaam voornamen roepnaam"),
    ("last_name", 0.93, "en", "last_name lastname lname l_name surname sur_name family_name familyname last_nm "
     "maiden_name mothers_maiden_name"),
    ("last_name", 0.93, "de", "nachname familienname zuname geburtsname"),
    ("last_name", 0.93, "fr", "nom_de_famille nom_famille nom_naissance nom_jeune_fille"),
    ("last_name", 0.93, "es", "apellido apellidos primer_apellido segundo_apellido"),
    ("last_name", 0.93, "nl", "achternaam familienaam geslachtsnaam"),
    ("last_name", 0.7, "fr", "nom!"),
    ("email", 0.96, "en", "email e_mail emailaddress email_address mail_address email_addr email_id eaddress"),
    ("email", 0.8, "en", "mail"),
    ("email", 0.96, "de", "mailadresse email_adresse emailadresse e_mail_adresse"),
    ("email", 0.96, "fr", "courriel adresse_email adresse_mail adresse_electronique mel"),
    ("email", 0.96, "es", "correo correo_electronico direccion_correo"),
    ("email", 0.96, "nl", "emailadres e_mailadres mailadres"),
    ("phone", 0.92, "en", "phone telephone tel tel_no telno phone_no phone_number phonenumber telephone_number "
     "contact_number contact_no contact_phone mobile mobile_no mobile_number mob mob_no mobile_phone cell "
     "cellphone cell_phone cellular landline home_phone work_phone daytime_phone evening_phone fax fax_number"),
    ("phone", 0.92, "de", "telefon telefonnummer tel_nr telnr handy handynummer mobilnummer mobiltelefon "
     "rufnummer festnetz mobilfunknummer"),
    ("phone", 0.92, "fr", "telephone_portable portable numero_telephone num_tel tel_portable tel_fixe"),
    ("phone", 0.92, "es", "telefono numero_telefono movil tfno tlf celular telefono_movil"),
    ("phone", 0.92, "nl", "telefoonnummer telefoon mobiel mobiele_nummer gsm mobiel_nummer"),
    ("msisdn", 0.95, "en", "msisdn msisdn_number subscriber_number a_number b_number calling_number "
     "called_number"),
    ("street_address", 0.88, "en", "address addr street street_address streetaddress address_line addr_line "
     "home_address postal_address mailing_address billing_address shipping_address delivery_address "
     "residential_address house_number house_no building_number flat_number street_name address1 address2"),
    ("street_address", 0.6, "en", "line! apartment apt"),
    ("street_address", 0.88, "de", "strasse hausnummer anschrift adresse wohnadresse rechnungsadresse "
     "lieferadresse strassenname"),
    ("street_address", 0.88, "fr", "rue adresse_postale numero_rue voie adresse_facturation adresse_livraison"),
    ("street_address", 0.88, "es", "direccion domicilio calle numero_calle direccion_postal"),
    ("street_address", 0.88, "nl", "adres straat huisnummer woonadres straatnaam postadres"),
    ("postcode", 0.93, "en", "postcode post_code postal_code postalcode zip zipcode zip_code zip_cd eircode "
     "zip5 zip4"),
    ("postcode", 0.93, "de", "plz postleitzahl"),
    ("postcode", 0.93, "fr", "code_postal codepostal"),
    ("postcode", 0.93, "es", "codigo_postal cod_postal"),
    ("postcode", 0.5, "fr", "cp!"),
    ("city", 0.62, "en", "city town city_name town_city home_city residence_city municipality locality"),
    ("city", 0.85, "en", "birthplace place_of_birth city_of_birth"),
    ("city", 0.62, "de", "ort stadt wohnort gemeinde"),
    ("city", 0.85, "de", "geburtsort"),
    ("city", 0.62, "fr", "ville commune localite"),
    ("city", 0.85, "fr", "lieu_naissance lieu_de_naissance"),
    ("city", 0.62, "es", "ciudad localidad poblacion municipio"),
    ("city", 0.85, "es", "lugar_nacimiento lugar_de_nacimiento"),
    ("city", 0.62, "nl", "plaats woonplaats plaatsnaam"),
    ("city", 0.85, "nl", "geboorteplaats"),
    ("date_of_birth", 0.96, "en", "dob date_of_birth dateofbirth birth_date birthdate birthday birth_dt bday "
     "d_o_b born born_on date_born birth_day"),
    ("date_of_birth", 0.88, "en", "birth_year year_of_birth yob birth_yr"),
    ("date_of_birth", 0.96, "de", "geburtsdatum geb_datum gebdatum geburtstag geb_dat gebdat"),
    ("date_of_birth", 0.88, "de", "geburtsjahr"),
    ("date_of_birth", 0.96, "fr", "date_naissance date_de_naissance datenaissance naissance date_nais dt_naiss"),
    ("date_of_birth", 0.88, "fr", "annee_naissance"),
    ("date_of_birth", 0.96, "es", "fecha_nacimiento fecha_de_nacimiento fec_nac f_nacimiento nacimiento "
     "f_nac fech_nac"),
    ("date_of_birth", 0.88, "es", "ano_nacimiento"),
    ("date_of_birth", 0.96, "nl", "geboortedatum geb_datum geboren geboorte_datum"),
    ("date_of_birth", 0.88, "nl", "geboortejaar"),
    ("age", 0.82, "en", "age age_years age_at_signup current_age"),
    ("age", 0.65, "en", "age_band age_group age_range"),
    ("age", 0.82, "de", "alter lebensalter"),
    ("age", 0.82, "es", "edad"),
    ("age", 0.82, "nl", "leeftijd"),
    ("gender", 0.82, "en", "gender sex salutation"),
    ("gender", 0.82, "de", "geschlecht anrede"),
    ("gender", 0.82, "fr", "sexe civilite"),
    ("gender", 0.5, "fr", "genre!"),
    ("gender", 0.82, "es", "genero sexo"),
    ("gender", 0.82, "nl", "geslacht aanhef"),
    ("ethnicity", 0.88, "en", "ethnicity ethnic_origin ethnic_group race"),
    ("ethnicity", 0.6, "en", "nationality citizenship"),
    ("ethnicity", 0.88, "de", "ethnie herkunft"),
    ("ethnicity", 0.6, "de", "nationalitat staatsangehorigkeit"),
    ("ethnicity", 0.88, "fr", "origine_ethnique ethnie"),
    ("ethnicity", 0.6, "fr", "nationalite"),
    ("ethnicity", 0.88, "es", "etnia etnicidad"),
    ("ethnicity", 0.6, "es", "nacionalidad"),
    ("ethnicity", 0.88, "nl", "etniciteit afkomst"),
    ("ethnicity", 0.6, "nl", "nationaliteit"),
    # special-category health data (GDPR art. 9): diagnoses and their codes, medication, allergies, blood
    # group, lifestyle (smoking, alcohol), pregnancy, disability, vital signs; body measurements are lifted
    # by context instead (a parcel has a weight too), see classify._health_context
    ("medical_condition", 0.88, "en", "diagnosis diagnoses dx primary_diagnosis secondary_diagnosis "
     "admission_diagnosis discharge_diagnosis medical_condition health_condition conditions comorbidity "
     "comorbidities icd icd9 icd10 icd_code icd9_code icd10_code icd_10_code diagnosis_code dx_code snomed "
     "snomed_code opcs opcs4 procedure_code cpt_code medication medications meds current_medication drug_name "
     "prescription prescriptions prescribed dosage allergy allergies known_allergies allergy_list intolerances "
     "disability disabilities blood_type blood_group bloodtype bloodgroup abo_group rhesus rh_factor symptom "
     "symptoms medical_history past_medical_history pmh health_status bmi body_mass_index smoker smoking "
     "smoking_status tobacco tobacco_use alcohol_use alcohol_units units_per_week pregnant pregnancy "
     "pregnancy_status gestation hiv hiv_status mental_health psychiatric_history vaccination vaccination_status "
     "immunisation immunization hba1c cholesterol blood_pressure systolic diastolic blood_glucose illness "
     "disease injury injuries cause_of_death sickness sick_leave sickness_absence clinical_specialty "
     "treating_specialty admitting_specialty admitting_ward"),
    ("medical_condition", 0.88, "en", "glucose blood_sugar blood_glucose_level"),
    ("medical_condition", 0.88, "de", "blutzucker glukose"),
    ("medical_condition", 0.88, "fr", "glycemie glucose_sanguin"),
    ("medical_condition", 0.88, "es", "glucosa glucemia"),
    ("medical_condition", 0.88, "nl", "bloedsuiker glucosewaarde"),
    ("medical_condition", 0.6, "en", "ward specialty speciality"),
    ("medical_condition", 0.55, "en", "condition! treatment! procedure!"),
    ("medical_condition", 0.88, "de", "diagnose diagnosen hauptdiagnose nebendiagnose krankheit krankheiten "
     "erkrankung erkrankungen vorerkrankung vorerkrankungen medikament medikamente medikation allergie "
     "allergien unvertraglichkeit unvertraglichkeiten blutgruppe raucher raucherstatus rauchen alkoholkonsum "
     "schwangerschaft schwanger behinderung schwerbehinderung grad_der_behinderung befund befunde symptome "
     "anamnese krankengeschichte impfstatus impfung blutdruck"),
    ("medical_condition", 0.5, "de", "station!"),
    ("medical_condition", 0.88, "fr", "diagnostic diagnostics maladie maladies pathologie pathologies "
     "traitement_medical traitement_en_cours traitements medicament medicaments allergie allergies "
     "groupe_sanguin fumeur tabagisme tabac alcool grossesse enceinte handicap symptomes antecedents "
     "antecedents_medicaux cim10 cim_10 code_cim vaccination tension_arterielle imc"),
    ("medical_condition", 0.6, "fr", "traitement!"),
    ("medical_condition", 0.88, "es", "diagnostico diagnosticos enfermedad enfermedades patologia patologias "
     "medicacion medicamento medicamentos tratamiento_actual alergia alergias alergias_conocidas "
     "grupo_sanguineo fumador tabaquismo alcohol embarazo embarazada discapacidad sintomas antecedentes "
     "antecedentes_medicos cie10 cie_10 codigo_cie vacunacion presion_arterial imc"),
    ("medical_condition", 0.6, "es", "tratamiento!"),
    ("medical_condition", 0.88, "nl", "ziekte ziektes aandoening aandoeningen medicatie medicijnen medicijn "
     "geneesmiddelen allergieen bloedgroep roker rookgedrag rookstatus zwangerschap zwanger beperking "
     "symptomen voorgeschiedenis vaccinatie bloeddruk"),
    ("us_ssn", 0.96, "en", "ssn social_security social_security_number social_security_no soc_sec_no ss_number "
     "ssn_number socsec soc_sec"),
    ("uk_nino", 0.96, "en", "nino ni_number ni_no nino_number national_insurance national_insurance_number "
     "national_insurance_no nat_ins nat_ins_no natins ni_num"),
    ("nhs_number", 0.96, "en", "nhs nhs_no nhs_number nhsnumber nhs_num nhs_id"),
    ("national_id", 0.92, "en", "national_id national_id_number id_number id_card id_card_number identity_number "
     "identity_card passport passport_no passport_number passport_num driving_licence driving_license "
     "driver_license drivers_license driving_licence_number licence_number license_number dl_number dl_no tax_id "
     "tax_number tax_identification_number tin chi_number social_insurance_number"),
    ("national_id", 0.6, "en", "sin!"),
    ("national_id", 0.92, "de", "sozialversicherungsnummer sv_nummer svnr sv_nr steuer_id steuernummer "
     "steueridentifikationsnummer steuer_nr reisepass reisepassnummer passnummer personalausweis "
     "personalausweisnummer ausweisnummer ausweis_nr fuhrerschein fuhrerscheinnummer"),
    ("national_id", 0.92, "fr", "numero_securite_sociale numero_secu num_secu secu nir insee numero_fiscal "
     "passeport carte_identite cni numero_cni permis_conduire"),
    ("national_id", 0.92, "es", "dni nie nif nss numero_seguridad_social pasaporte cedula documento_identidad "
     "carnet_conducir"),
    ("national_id", 0.92, "nl", "bsn burgerservicenummer sofinummer sofi_nummer paspoort paspoortnummer "
     "identiteitsbewijs rijbewijs"),
    ("payment_card", 0.93, "en", "card_number cardnumber card_no card_num cardnum credit_card creditcard "
     "credit_card_number cc cc_num ccnum cc_number cc_no debit_card card_pan pan primary_account_number masked_pan "
     "masked_card"),
    ("payment_card", 0.75, "en", "card cvv cvc cvv2 card_cvv card_expiry card_exp expiry_date exp_date"),
    ("payment_card", 0.62, "en", "last4 last_four lastfour card_last4 pan_last4 last4_digits last_4_digits"),
    ("payment_card", 0.93, "de", "kartennummer kreditkarte kreditkartennummer karten_nr"),
    ("payment_card", 0.93, "fr", "numero_carte carte_bancaire num_carte carte_credit"),
    ("payment_card", 0.93, "es", "tarjeta numero_tarjeta tarjeta_credito num_tarjeta"),
    ("payment_card", 0.93, "nl", "kaartnummer creditcardnummer bankpas pasnummer"),
    ("iban", 0.96, "en", "iban iban_number iban_no iban_code bank_iban"),
    ("bank_account", 0.9, "en", "account_number account_no acct_no acct_num acctno acct acc_no acc_num "
     "bank_account bank_account_number bank_acct account_nr"),
    ("bank_account", 0.45, "en", "account!"),
    ("bank_account", 0.9, "de", "kontonummer konto_nr konto kto_nr ktonr bankkonto"),
    ("bank_account", 0.9, "fr", "numero_compte compte_bancaire num_compte rib"),
    ("bank_account", 0.9, "es", "cuenta numero_cuenta cuenta_bancaria ccc"),
    ("bank_account", 0.9, "nl", "rekeningnummer rekening rekening_nummer bankrekening"),
    ("sort_code", 0.92, "en", "sort_code sortcode sort_cd bank_sort_code routing_number routing_no aba "
     "aba_number bank_code"),
    ("sort_code", 0.92, "de", "bankleitzahl blz"),
    ("sort_code", 0.92, "fr", "code_banque code_guichet"),
    ("sort_code", 0.92, "es", "codigo_banco codigo_sucursal"),
    ("ip_address", 0.92, "en", "ip ip_addr ip_address ipaddress ipv4 ipv6 client_ip remote_addr remote_ip "
     "source_ip src_ip dst_ip dest_ip user_ip x_forwarded_for login_ip last_login_ip"),
    ("ip_address", 0.92, "de", "ip_adresse"),
    ("ip_address", 0.92, "fr", "adresse_ip"),
    ("ip_address", 0.92, "es", "direccion_ip"),
    ("ip_address", 0.92, "nl", "ip_adres"),
    ("username", 0.86, "en", "username user_name login login_name user_login handle screen_name screenname "
     "nickname nick account_name user_principal_name upn social_handle twitter_handle"),
    ("username", 0.86, "de", "benutzername benutzer_name anmeldename"),
    ("username", 0.86, "fr", "nom_utilisateur identifiant pseudo"),
    ("username", 0.86, "es", "usuario nombre_usuario nombre_de_usuario"),
    ("username", 0.86, "nl", "gebruikersnaam inlognaam"),
    ("customer_id", 0.86, "en", "customer_id cust_id custid client_id user_id userid patient_id member_id "
     "employee_id emp_id emp_no employee_no employee_number staff_id staff_no person_id subscriber_id account_id "
     "contact_id guest_id passenger_id student_id student_number customer_number customer_no cust_no cust_num "
     "customer_ref cust_ref client_ref client_number mrn medical_record_number hospital_number hospital_no hosp_no "
     "hosp_num hospital_num loyalty_number "
     "loyalty_card membership_number member_no"),
    ("customer_id", 0.7, "en", "policy_number policy_no"),
    ("customer_id", 0.86, "de", "kundennummer kunden_nr kundennr kunden_id kd_nr personalnummer mitarbeiternummer "
     "patientennummer mitgliedsnummer versichertennummer"),
    ("customer_id", 0.86, "fr", "id_client num_client numero_client code_client ref_client numero_adherent"),
    ("customer_id", 0.86, "es", "id_cliente numero_cliente num_cliente codigo_cliente numero_socio"),
    ("customer_id", 0.86, "nl", "klantnummer klant_id klantnr relatienummer lidnummer patientnummer"),
    ("customer_id", 0.5, "en", "customer! client! patient!"),
    ("free_text_pii", 0.62, "en", "notes note comments comment remarks remark free_text freetext freeform "
     "message messages feedback complaint complaint_text memo case_notes call_notes agent_notes customer_notes"),
    ("free_text_pii", 0.62, "en", "payment_reference payment_details payment_narrative remittance_information "
     "remittance_info narrative narration transaction_narrative"),
    ("free_text_pii", 0.62, "de", "verwendungszweck buchungstext"),
    ("free_text_pii", 0.62, "fr", "libelle libelle_operation motif_virement"),
    ("free_text_pii", 0.62, "es", "concepto concepto_transferencia"),
    ("free_text_pii", 0.62, "nl", "omschrijving betalingskenmerk"),
    ("free_text_pii", 0.62, "de", "bemerkung bemerkungen kommentar kommentare notiz notizen anmerkung "
     "anmerkungen nachricht"),
    ("free_text_pii", 0.62, "fr", "commentaire commentaires remarque remarques observations observation"),
    ("free_text_pii", 0.62, "es", "observaciones comentario comentarios notas nota mensaje"),
    ("free_text_pii", 0.62, "nl", "opmerking opmerkingen toelichting bericht notitie notities"),
    ("vehicle_registration", 0.92, "en", "vehicle_registration vehicle_reg vehicle_reg_no vehicle_registration_no "
     "vehicle_registration_number registration_number registration_no reg_no reg_number regno vrm vrn "
     "number_plate numberplate licence_plate license_plate licence_plate_number license_plate_number plate_number "
     "plate_no plate_num car_reg car_registration"),
    ("vehicle_registration", 0.45, "en", "registration! reg! plate! plates!"),
    ("vehicle_registration", 0.92, "de", "kennzeichen kfz_kennzeichen amtliches_kennzeichen autokennzeichen "
     "nummernschild kfz_nr"),
    ("vehicle_registration", 0.92, "fr", "immatriculation numero_immatriculation plaque_immatriculation"),
    ("vehicle_registration", 0.45, "fr", "plaque!"),
    ("vehicle_registration", 0.92, "es", "matricula numero_matricula matricula_vehiculo"),
    ("vehicle_registration", 0.45, "es", "placa!"),
    ("vehicle_registration", 0.92, "nl", "kenteken kentekenplaat kentekennummer nummerbord"),
    ("vehicle_registration", 0.92, "it", "targa"),
    ("imei", 0.96, "en", "imei imei_number device_imei imeisv"),
    ("imsi", 0.96, "en", "imsi imsi_number subscriber_identity"),
    ("salary", 0.86, "en", "salary salaries income annual_income gross_income net_income wage wages gross_pay "
     "net_pay base_salary compensation remuneration earnings net_worth"),
    ("salary", 0.6, "en", "bonus"),
    ("salary", 0.86, "de", "gehalt lohn einkommen bruttogehalt jahresgehalt nettogehalt"),
    ("salary", 0.86, "fr", "salaire revenu revenus remuneration"),
    ("salary", 0.86, "es", "salario sueldo ingresos"),
    ("salary", 0.86, "nl", "salaris loon inkomen jaarsalaris brutoloon"),
    ("other_pii", 0.85, "en", "religion religious_belief sexual_orientation political_affiliation "
     "political_opinion trade_union union_membership biometric fingerprint genetic criminal_record password "
     "passwd security_answer secret_answer"),
    ("other_pii", 0.85, "de", "religion konfession religionszugehorigkeit"),
    ("none", 0.7, "en", "id! uuid! guid! pk! key! row_id rowid record_id row_number idx! index! order_id "
     "order_no order_number order_ref ordernumber invoice invoice_no invoice_number invoice_id transaction_id "
     "txn_id transaction_ref payment_id product product_id product_code productcode product_name sku item_id "
     "item_code article_number price unit_price amount total subtotal tax vat qty quantity currency status "
     "category brand make model colour color size weight created_at updated_at created updated timestamp order_date "
     "ship_date delivery_date due_date version revision batch lot barcode ean upc gtin isbn tracking_number "
     "tracking_no shipment_id parcel_id ticket_id case_id booking_ref rating flag is_active active enabled "
     "country country_code region state county bic swift swift_code bic_code mcc currency_code last_login "
     "last_login_at login_time login_date last_seen"),
    ("none", 0.7, "de", "bestellnummer bestellung rechnungsnummer rechnung artikelnummer artikel preis betrag "
     "menge anzahl waehrung kategorie land"),
    ("none", 0.7, "fr", "numero_commande commande numero_facture facture produit prix montant quantite devise "
     "categorie pays"),
    ("none", 0.7, "es", "numero_pedido pedido numero_factura factura producto precio importe cantidad moneda "
     "categoria pais"),
    ("none", 0.7, "nl", "bestelnummer bestelling factuurnummer factuur prijs bedrag aantal valuta categorie"),
)  # fmt: skip


def _build() -> dict[str, Term]:
    lexicon: dict[str, Term] = {}
    for entity, score, lang, terms in _SPEC:
        for word in terms.split():
            alone = word.endswith("!")
            key = word.rstrip("!").replace("_", "")
            if key in lexicon and lexicon[key].score >= score and not lexicon[key].alone:
                continue
            lexicon[key] = Term(word.rstrip("!"), entity, score, lang, alone)
    return lexicon


LEXICON: dict[str, Term] = _build()

# tokens that qualify a contact term as a business's, not a person's: store_phone, product_name
BUSINESS = words(
    "product prod item sku article artikel produit producto company firma unternehmen entreprise societe empresa "
    "bedrijf store shop branch filiale magasin tienda winkel warehouse lager depot supplier vendor merchant "
    "lieferant fournisseur proveedor leverancier file host server table column category brand marke team project "
    "campaign event bank office site venue hotel restaurant business corporate org organisation organization "
    "department dept manufacturer hersteller carrier support helpdesk service app device"
)
CONTACT: frozenset[EntityType] = frozenset(
    {"person_name", "first_name", "last_name", "email", "phone", "msisdn", "street_address", "postcode", "city",
     "username"}
)  # fmt: skip
# tokens that make the column about a value, not the value: email_verified, phone_type
MODIFIERS = words(
    "verified valid validated validation flag is has opt optin optout consent type status count cnt length len "
    "format source provider changed updated created confirmed bounced bounce pref preference preferences "
    "allowed enabled ext extension domain country prefix kind quality score at date time ts timestamp datetime "
    "dt capacity beds occupancy occupied"
)
# tokens that make a column a count, amount or score of what the rest of its name says: num_medications,
# number_diagnoses, allergy_count, symptom_score, anzahl_diagnosen (classify: numbers under such a name
# are no one's condition)
COUNT_WORDS = words(
    "count counts cnt num number numbers nbr n total totals tot sum qty quantity amount amt score scores "
    "anzahl zahl gesamt summe menge nombre nb quantite montant cantidad numero aantal totaal hoeveelheid bedrag"
)
# contact terms so generic that the table's name decides whose they are: products.name, stores.phone
GENERIC_CONTACT = words(
    "name phone telephone tel email mail address addr city town postcode zip zipcode postalcode fax street "
    "mobile contactnumber"
)
# tokens that make the column a pseudonymous key of the value: email_hash
PSEUDONYMOUS = words("hash hashed sha sha1 sha256 md5 token tokenised tokenized encrypted enc digest")
# staff roles whose column holds the person's name (attending_clinician, behandelnder_arzt, huisarts)
STAFF_NOUNS = words(
    "clinician doctor physician consultant surgeon nurse practitioner midwife therapist caregiver carer "
    "arzt arztin hausarzt facharzt pflegekraft medecin docteur infirmier infirmiere medico enfermero enfermera "
    "huisarts verpleegkundige behandelaar"
)
PERSON_NOUNS = (
    words(
        "customer cust client kunde kunden klant cliente user usr patient member mitglied employee emp staff "
        "mitarbeiter person subscriber contact guest passenger student applicant candidate holder owner insured "
        "beneficiary utilisateur usuario gebruiker benutzer lid relatie abonne abonnent socio patienten "
        "renter tenant lessee driver mieter fahrer locataire conducteur arrendatario inquilino huurder bestuurder "
        "empleado empleada trabajador eleve etudiant alumno alumna estudiante leerling werknemer medewerker "
        "salarie employe schuler paciente"
    )
    | STAFF_NOUNS
)
# tokens of body measurements: health data when the row is a person (classify._health_context)
BODY_TERMS = words(
    "weight height bmi waist hip gewicht korpergewicht grosse korpergrosse poids taille peso altura estatura "
    "lengte lichaamsgewicht"
)
ID_TOKENS = words("id no nr num number nummer numero ref reference key code nbr identifier")
NAME_TOKENS = words("name nm naam nom nombre")
# table-name tokens (singular) that say whose rows these are
PERSON_TABLES = words(
    "customer client user patient employee staff member person people contact subscriber kunde kunden klant "
    "klanten cliente mitarbeiter student guest passenger applicant candidate account profile"
)
BUSINESS_TABLES = words(
    "product item store shop branch supplier vendor merchant company warehouse site location category catalog "
    "catalogue brand department office sku inventory stock"
)
_FILLER = words("the of de la el le der die das van den het du des del 1 2 3 4 5")


# table-name tokens (singular) that say the rows are patients' records
HEALTH_TABLES = words(
    "patient inpatient outpatient patienten paciente hospital krankenhaus hopital ziekenhuis clinic clinical klinik "
    "clinique clinica kliniek medical medizinisch medico medicale health gesundheit sante salud gezondheid "
    "admission episode encounter diagnosis diagnose prescription consultation referral ehr emr"
)


@cache
def health_words() -> frozenset[str]:
    """Conditions, drugs and allergens of health_terms.txt, the vocabulary value detectors use (not its
    specialties and units, which name departments and places: surgery_name, cardiology_unit)."""
    from importlib.resources import files

    text = files("tools.sensitive").joinpath("data", "health_terms.txt").read_text(encoding="utf-8")
    personal = text.split("\n# conditions", 1)[1]
    found = (w.lower() for line in personal.splitlines() if not line.startswith("#") for w in line.split())
    return frozenset(found) - {"unspecified", "remission"}


def singular(token: str) -> str:
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("es") and token[:-2] in BUSINESS_TABLES | PERSON_TABLES:
        return token[:-2]
    if token.endswith("s") and len(token) > 3:
        return token[:-1]
    return token


# ---------------------------------------------------------------- analysis


@dataclass(frozen=True, slots=True)
class NamePrior:
    """What the name suggests: an entity, a score in 0..1 and how it was matched."""

    entity: EntityType
    score: float
    term: str
    lang: str
    how: str  # "exact", "phrase", "compound", "rule", "table"
    note: str = ""


@dataclass(slots=True)
class NameAnalysis:
    """Priors per entity (best first) and the hints that argue against a sensitive reading."""

    tokens: list[str]
    priors: list[NamePrior] = field(default_factory=list)
    neutral: NamePrior | None = None  # a plainly non-personal term (order_id, product_code)
    business: str | None = None  # the business qualifier token, if any
    modifier: str | None = None  # the modifier token, if any
    counted: str | None = None  # a count/amount/score token beside other words (num_medications), if any

    def prior(self, entity: str) -> float:
        return max((p.score for p in self.priors if p.entity == entity), default=0.0)

    @property
    def best(self) -> NamePrior | None:
        return self.priors[0] if self.priors else None

    @property
    def language(self) -> str | None:
        return self.priors[0].lang if self.priors else None


def _lexicon_matches(tokens: list[str]) -> list[tuple[Term, int, int]]:
    """Longest-first n-gram matches (joined without separators) that do not overlap."""
    covered: set[int] = set()
    found: list[tuple[Term, int, int]] = []
    content = [i for i, t in enumerate(tokens) if t not in _FILLER]
    for n in range(len(tokens), 0, -1):
        for start in range(len(tokens) - n + 1):
            span = set(range(start, start + n))
            if span & covered:
                continue
            term = LEXICON.get("".join(tokens[start : start + n]))
            if term is None:
                continue
            if term.alone and not set(content) <= span:
                continue
            found.append((term, start, start + n))
            covered |= span
    return found


def _compound(joined: str) -> Term | None:
    """German/Dutch style compounds: ``kundennachname`` ends with ``nachname``."""
    best: Term | None = None
    for key, term in LEXICON.items():
        if term.alone or len(key) < 5 or term.entity == "none" or key == joined:
            continue
        if (joined.endswith(key) or joined.startswith(key)) and (best is None or len(key) > len(best.key)):
            best = term
    return best


def _glued_id(content: list[str]) -> str | None:
    """One token made of a person noun and an id suffix: ``patientennr``, ``kundenid``, ``membernumber``."""
    if len(content) != 1:
        return None
    token = content[0]
    for noun in PERSON_NOUNS:
        if len(noun) >= 4 and token.startswith(noun) and token[len(noun) :] in ID_TOKENS:
            return token
    return None


def analyse_name(column: str, table: str = "") -> NameAnalysis:
    """Entity priors from a column name (and its table's name), with their qualifiers."""
    tokens = tokenize(column)
    analysis = NameAnalysis(tokens=tokens)
    if not tokens:
        return analysis
    matches = _lexicon_matches(tokens)
    content = [t for t in tokens if t not in _FILLER]
    matched_tokens = {i for _, a, b in matches for i in range(a, b)}
    rest = [t for i, t in enumerate(tokens) if i not in matched_tokens and t not in _FILLER]
    priors: dict[str, NamePrior] = {}

    def add(prior: NamePrior) -> None:
        if prior.entity not in priors or priors[prior.entity].score < prior.score:
            priors[prior.entity] = prior

    for term, a, b in matches:
        how = "exact" if b - a == len(tokens) or not rest else "phrase"
        if term.entity == "none":
            if analysis.neutral is None or analysis.neutral.score < term.score:
                analysis.neutral = NamePrior("none", term.score, term.key, term.lang, how)
            continue
        extra = [t for t in rest if t not in PERSON_NOUNS and t not in ID_TOKENS and t not in NAME_TOKENS]
        add(NamePrior(term.entity, term.score * (0.92 if extra else 1.0), term.key, term.lang, how))
    if not matches and len(content) > 0:
        compound = _compound("".join(content))
        if compound is not None:
            add(NamePrior(compound.entity, compound.score * 0.85, compound.key, compound.lang, "compound"))
    health = next((t for t in rest if t in health_words()), None)
    if health is not None and not any(t in NAME_TOKENS or t in ID_TOKENS for t in tokens):  # insulin_code: a label
        add(NamePrior("medical_condition", 0.7, health, "en", "vocabulary", "names a drug, condition or allergen"))
    # person noun + id / name token: customer_ref, patient_nm
    nouns = [t for t in tokens if t in PERSON_NOUNS]
    glued = _glued_id(content)
    if glued is not None and not priors:
        add(NamePrior("customer_id", 0.85, glued, "en", "rule", "person noun with an id suffix"))
    if nouns and not priors:
        staff = [t for t in nouns if t in STAFF_NOUNS]
        if any(t in ID_TOKENS for t in tokens):
            add(NamePrior("customer_id", 0.85, "_".join(tokens), "en", "rule", "person noun with an id token"))
        elif any(t in NAME_TOKENS for t in tokens):
            add(NamePrior("person_name", 0.9, "_".join(tokens), "en", "rule", "person noun with a name token"))
        elif staff:
            add(NamePrior("person_name", 0.65, staff[0], "en", "rule", "a staff role: the column names the person"))
    _qualify(analysis, rest, priors, table)
    if len(content) > 1:
        analysis.counted = next((t for t in content if t in COUNT_WORDS), None)
    analysis.priors = sorted(priors.values(), key=lambda p: -p.score)
    if analysis.priors and analysis.neutral is not None and analysis.neutral.how == "phrase":
        analysis.neutral = None  # order_email: the positive term wins over the neutral one
    return analysis


def _qualify(analysis: NameAnalysis, rest: list[str], priors: dict[str, NamePrior], table: str) -> None:
    """Apply modifiers, pseudonymous suffixes and business qualifiers found among the tokens left
    over by the lexicon match (``rest``), and the table's name, in place."""
    modifier = next((t for t in rest if t in MODIFIERS), None)
    pseudo = next((t for t in rest if t in PSEUDONYMOUS), None)
    business = next((f"'{t}'" for t in rest if t in BUSINESS), None)
    table_tokens = {singular(t) for t in tokenize(table)}
    generic = not any(t in PERSON_NOUNS for t in rest) and any(
        p.term.replace("_", "") in GENERIC_CONTACT for p in priors.values()
    )
    if business is None and generic and table_tokens & BUSINESS_TABLES and any(e in CONTACT for e in priors):
        business = f"of table '{table}'"
    for entity, prior in list(priors.items()):
        if pseudo is not None:
            del priors[entity]
            priors["customer_id"] = NamePrior(
                "customer_id", 0.72, prior.term, prior.lang, prior.how, f"pseudonymous form ('{pseudo}')"
            )
            continue
        if modifier is not None and not (entity == "date_of_birth" and modifier in {"date", "dt", "year"}):
            priors[entity] = NamePrior(
                prior.entity, prior.score * 0.35, prior.term, prior.lang, prior.how, f"modifier '{modifier}'"
            )
        elif business is not None and entity in CONTACT:
            priors[entity] = NamePrior(
                prior.entity, prior.score * 0.3, prior.term, prior.lang, prior.how, f"business qualifier {business}"
            )
    analysis.modifier = modifier if priors else None
    analysis.business = business if any(e in CONTACT for e in priors) else None
    person_table = bool(table_tokens & PERSON_TABLES)
    if person_table and "person_name" in priors and priors["person_name"].how == "exact" and business is None:
        p = priors["person_name"]
        if p.score < 0.75:
            priors["person_name"] = NamePrior("person_name", 0.75, p.term, p.lang, "table", f"in table '{table}'")
    row_key = analysis.neutral is not None and analysis.neutral.term in {"id", "uuid", "guid", "pk", "key"}
    if person_table and not priors and row_key and analysis.neutral is not None:
        term = analysis.neutral.term
        priors["customer_id"] = NamePrior(
            "customer_id", 0.75, term, "en", "table", f"row key of person table '{table}'"
        )
        analysis.neutral = None
